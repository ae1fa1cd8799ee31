"""Unit tests of the library's shared pieces: checks, palette and plots, device, seeding, paths."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import matplotlib.pyplot as plt
import numpy as np
import pytest

import dlcourse
from dlcourse import seed_everything, viz
from dlcourse.check import asserts
from dlcourse.device import device_info, pick_device


def _modules():
    for info in pkgutil.walk_packages(dlcourse.__path__, "dlcourse."):
        if info.name.endswith("__main__"):
            continue
        yield info.name


@pytest.mark.parametrize("name", sorted(_modules()))
def test_docstring_examples_run(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{result.failed} docstring example(s) of {name} fail"


@pytest.mark.parametrize("name", sorted(_modules()))
def test_public_functions_have_docstrings(name):
    module = importlib.import_module(name)
    missing = [
        attr for attr, value in vars(module).items()
        if not attr.startswith("_") and callable(value)
        and getattr(value, "__module__", None) == name and not (value.__doc__ or "").strip()
    ]
    assert not missing, f"{name}: public functions without a docstring: {missing}"


# ---- check helpers: the messages say what is wrong

def test_check_array_passes_on_equal_values():
    asserts.check_array(np.array([1.0, 2.0]), [1.0, 2.0], "f(z)")


@pytest.mark.parametrize(
    ("actual", "expected", "message"),
    [
        (None, [1.0], "returned None"),
        ([1.0, 2.0], [1.0, 2.0], "numpy array"),
        (np.array([1.0, 2.0, 3.0]), [1.0, 2.0], "shape (3,), expected (2,)"),
        (np.array([[1.0, 2.0]]), [1.0, 2.0], "shape (1, 2)"),
        (np.array([1.0, np.nan]), [1.0, 2.0], "NaN at index 1"),
        (np.array([np.inf, 2.0]), [1.0, 2.0], "inf at index 0"),
        (np.array([1.0, 2.5]), [1.0, 2.0], "f(z)[1] is 2.5, expected 2"),
        (np.array(["a", "b"]), [1.0, 2.0], "should be numbers"),
    ],
)
def test_check_array_says_what_is_wrong(actual, expected, message):
    with pytest.raises(AssertionError, match=message.replace("(", r"\(").replace(")", r"\)")
                       .replace("[", r"\[").replace("]", r"\]")):
        asserts.check_array(actual, expected, "f(z)")


def test_check_array_quotes_the_input():
    z = np.array([0.0, 3.0])
    with pytest.raises(AssertionError, match="for input 3"):
        asserts.check_array(np.array([0.5, 0.0]), [0.5, 0.9], "sigmoid(z)", inputs=z)


def test_check_scalar_and_shape():
    asserts.check_scalar(np.float64(1.0), 1.0, "b")
    with pytest.raises(AssertionError, match="b is 2, expected 1"):
        asserts.check_scalar(2.0, 1.0, "b")
    with pytest.raises(AssertionError, match="single number"):
        asserts.check_scalar([1.0, 2.0], 1.0, "b")
    with pytest.raises(AssertionError, match="w has shape"):
        asserts.check_shape(np.zeros(3), (2,), "w")


def test_check_callable():
    asserts.check_callable(len, "len")
    with pytest.raises(AssertionError, match="should be a function, but it is a int"):
        asserts.check_callable(3, "sigmoid")


def test_check_no_float_error_catches_overflow():
    def naive(z):
        return 1.0 / (1.0 + np.exp(-z))

    with pytest.raises(AssertionError, match="overflow"):
        asserts.check_no_float_error(naive, np.array([-1000.0]), name="sigmoid")
    assert asserts.check_no_float_error(np.tanh, np.array([1000.0]))[0] == 1.0


def test_checks_work_without_assert_statements():
    # Under `python -O` assert statements vanish; the helpers must still fail.
    import inspect

    assert "assert " not in inspect.getsource(asserts).split('"""', 2)[2]


# ---- palette and plots

def test_palette_is_fixed_and_distinct():
    assert len(set(viz.PALETTE)) == len(viz.PALETTE)
    assert viz.class_color(0) == viz.PALETTE[0]
    assert viz.class_color(len(viz.PALETTE)) == viz.PALETTE[0]
    with pytest.raises(ValueError, match="class index"):
        viz.class_color(-1)
    assert viz.class_cmap(3).N == 3


def test_scatter_classes_colours_each_class_and_checks_shapes():
    fig, ax = plt.subplots()
    X = np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 0.0]])
    viz.scatter_classes(ax, X, np.array([-1, 1, 1]), class_names=["Adelie", "Gentoo"])
    labels = [text.get_text() for text in ax.get_legend().get_texts()]
    assert labels == ["Adelie", "Gentoo"]
    colours = [tuple(np.round(c.get_facecolor()[0][:3], 3)) for c in ax.collections]
    assert len(set(colours)) == 2
    with pytest.raises(ValueError, match=r"shape \(n_points, 2\)"):
        viz.scatter_classes(ax, np.zeros((3, 3)), np.zeros(3))
    with pytest.raises(ValueError, match="y must have shape"):
        viz.scatter_classes(ax, X, np.zeros(2))
    plt.close(fig)


def test_decision_boundary_draws_the_zero_contour():
    fig, ax = plt.subplots()
    viz.plot_decision_boundary(ax, lambda P: P[:, 0] - 1.0, (-2, 2), (-2, 2), resolution=50)
    line = ax.collections[-1]
    vertices = np.concatenate([path.vertices for path in line.get_paths()])
    assert np.allclose(vertices[:, 0], 1.0, atol=0.05)
    plt.close(fig)


# ---- device, seeds, paths

def test_pick_device_prefers_cuda_then_mps_then_cpu(monkeypatch):
    torch = pytest.importorskip("torch")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert pick_device() == "cuda"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: True)
    assert pick_device() == "mps"
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    assert pick_device() == "cpu"


def test_pick_device_rejects_bad_or_unavailable_choices(monkeypatch):
    with pytest.raises(ValueError, match="prefer must be one of"):
        pick_device("tpu")
    torch = pytest.importorskip("torch")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(RuntimeError, match="not available"):
        pick_device("cuda")
    monkeypatch.setenv("DLCOURSE_DEVICE", "cpu")
    assert pick_device() == "cpu"


def test_device_info_describes_the_cpu(monkeypatch):
    monkeypatch.setenv("DLCOURSE_DEVICE", "cpu")
    info = device_info()
    assert info.kind == "cpu"
    assert "CPU" in info.describe() and str(info.cpu_count) in info.describe()


def test_seed_everything_repeats_every_generator():
    import random

    import torch

    draws = []
    for _ in range(2):
        rng = seed_everything(7)
        legacy = np.random.random()  # noqa: NPY002 (the global generator is seeded too)
        draws.append((rng.random(), random.random(), legacy, float(torch.rand(1))))
    assert draws[0] == draws[1]
    assert seed_everything(8).random() != draws[0][0]
    with pytest.raises(ValueError, match="non-negative integer"):
        seed_everything(-1)
    with pytest.raises(ValueError, match="non-negative integer"):
        seed_everything(1.5)


def test_datasets_dir_can_be_overridden(monkeypatch, tmp_path):
    from dlcourse.paths import COURSE_ROOT, datasets_dir

    assert datasets_dir() == COURSE_ROOT / "datasets"
    monkeypatch.setenv("DLCOURSE_DATASETS", str(tmp_path))
    assert datasets_dir() == tmp_path


def test_release_rejects_an_unknown_unit(tmp_path):
    from dlcourse.grading.release import generate_release, main

    with pytest.raises(ValueError, match="no such unit"):
        generate_release(["99-nothing"], tmp_path)
    assert main(["99-nothing"]) == 2
