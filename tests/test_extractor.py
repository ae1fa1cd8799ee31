"""The shipped extractor (checksum, missing and corrupt files) and the GPU-lab training helpers."""

from __future__ import annotations

import json
import shutil

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
from sklearn.linear_model import LogisticRegression

from dlcourse.data.plankton import make_plankton
from dlcourse.data.plankton.extractor import (
    REBUILD_COMMAND,
    ExtractorError,
    extractor_info,
    extractor_paths,
    load_extractor,
    sha256_of,
)
from dlcourse.nn.plankton_cnn import PlanktonCNN, count_parameters
from dlcourse.nn.training import (
    History,
    _class_weights,
    _use_mixed_precision,
    balanced_accuracy,
    evaluate,
    extract_features,
    make_loader,
    predict,
    predict_proba,
    resolve_device,
    train_model,
)


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    """Tiny networks run faster on one thread (and far faster on a busy machine)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def extractor() -> PlanktonCNN:
    return load_extractor(device="cpu")


@pytest.fixture()
def copied_extractor(tmp_path, monkeypatch):
    """The weights and card copied to a folder the loader is pointed at."""
    weights, card = extractor_paths()
    folder = tmp_path / "plankton"
    folder.mkdir()
    shutil.copy(weights, folder / weights.name)
    shutil.copy(card, folder / card.name)
    monkeypatch.setenv("DLCOURSE_DATASETS", str(tmp_path))
    return folder / weights.name, folder / card.name


def test_shipped_weights_match_their_card(extractor):
    weights, _ = extractor_paths()
    card = extractor_info()
    assert sha256_of(weights) == card["sha256"]
    assert weights.stat().st_size <= 2 * 1024 * 1024
    assert count_parameters(PlanktonCNN(**card["architecture"])) == card["n_parameters"]
    assert 100_000 <= card["n_parameters"] <= 900_000
    assert card["train_split"] == "extractor-train" and card["test_split"] == "extractor-test"
    assert card["test_accuracy"] >= 0.9 and card["test_balanced_accuracy"] >= 0.9
    assert set(card["test_recall"]) == set(card["class_names"])


def test_extractor_is_frozen_and_in_eval_mode(extractor):
    assert not extractor.training
    assert not any(p.requires_grad for p in extractor.parameters())


def test_features_have_the_documented_shape_and_are_deterministic(extractor):
    images = make_plankton(n=40, seed=0).images
    features = extract_features(extractor, images, device="cpu")
    assert features.shape == (40, extractor_info()["feature_size"])
    assert features.dtype == np.float32 and np.isfinite(features).all()
    again = extract_features(extractor, images, batch_size=7, device="cpu")
    np.testing.assert_allclose(again, features, rtol=1e-4, atol=1e-5)
    assert features.std(axis=0).max() > 0  # not a constant vector


def test_features_learned_elsewhere_separate_the_lessons_classes(extractor):
    train = make_plankton(n=240, seed=31, balanced=True)
    test = make_plankton(n=160, seed=32, balanced=True)
    classifier = LogisticRegression(max_iter=2000).fit(
        extract_features(extractor, train.images, device="cpu"), train.labels)
    predictions = classifier.predict(extract_features(extractor, test.images, device="cpu"))
    assert balanced_accuracy(test.labels, predictions) > 0.8


def test_missing_weights_say_how_to_rebuild(copied_extractor):
    weights, _ = copied_extractor
    weights.unlink()
    with pytest.raises(FileNotFoundError, match="weights are missing") as error:
        load_extractor(device="cpu")
    assert REBUILD_COMMAND in str(error.value) and "git checkout" in str(error.value)


def test_corrupt_weights_are_refused(copied_extractor):
    weights, _ = copied_extractor
    data = bytearray(weights.read_bytes())
    data[len(data) // 2] ^= 0xFF
    weights.write_bytes(bytes(data))
    with pytest.raises(ExtractorError, match="does not match its card.*corrupt") as error:
        load_extractor(device="cpu")
    assert REBUILD_COMMAND in str(error.value)


def test_missing_or_broken_card(copied_extractor):
    _, card = copied_extractor
    card.write_text("{not json")
    with pytest.raises(ExtractorError, match="not valid JSON"):
        load_extractor(device="cpu")
    card.unlink()
    with pytest.raises(FileNotFoundError, match="card is missing") as error:
        extractor_info()
    assert REBUILD_COMMAND in str(error.value)


def test_weights_that_do_not_fit_the_card(copied_extractor):
    weights, card_path = copied_extractor
    card = json.loads(card_path.read_text())
    card["architecture"]["feature_size"] += 1
    card_path.write_text(json.dumps(card))
    with pytest.raises(ExtractorError, match="cannot be loaded into the network"):
        load_extractor(device="cpu")


def test_cnn_checks_its_input():
    model = PlanktonCNN(channels=(4, 8), feature_size=8)
    with pytest.raises(ValueError, match="shape \\(n, 1, H, W\\)"):
        model(torch.zeros(2, 3, 32, 32))
    with pytest.raises(ValueError, match="at least 4 pixels"):
        model(torch.zeros(2, 1, 2, 2))
    with pytest.raises(ValueError, match="n_classes"):
        PlanktonCNN(n_classes=1)
    maps = model.feature_maps(torch.zeros(1, 1, 32, 32))
    assert [tuple(m.shape[1:]) for m in maps] == [(4, 16, 16), (8, 8, 8), (8, 8, 8)]


def tiny_model(seed: int = 0) -> PlanktonCNN:
    torch.manual_seed(seed)
    return PlanktonCNN(channels=(4, 8), feature_size=16)


@pytest.fixture(scope="module")
def tiny_data():
    return make_plankton(n=96, size=32, seed=5), make_plankton(n=48, size=32, seed=6)


def test_training_runs_an_epoch_and_returns_curves(tiny_data):
    train, validation = tiny_data
    history = train_model(tiny_model(), train, validation, epochs=2, batch_size=32,
                          device="cpu", progress=False)
    assert isinstance(history, History) and history.device == "cpu"
    assert not history.mixed_precision
    frame = history.to_frame()
    assert list(frame["epoch"]) == [1, 2] and frame.notna().all().all()
    for column in ("train_accuracy", "validation_accuracy", "validation_balanced_accuracy"):
        assert frame[column].between(0, 1).all()
    assert (frame["images_per_second"] > 0).all() and (frame["train_loss"] > 0).all()
    fig = history.plot()
    assert [ax.get_title() for ax in fig.axes] == ["Loss", "Accuracy"]
    assert fig.axes[0].get_ylabel().startswith("cross-entropy")
    plt.close(fig)


def test_training_without_validation_leaves_its_columns_empty(tiny_data):
    history = train_model(tiny_model(), tiny_data[0], epochs=1, device="cpu", progress=False)
    assert history.validation_loss == []
    assert history.to_frame()["validation_loss"].isna().all()


def test_same_seed_same_training(tiny_data):
    train, _ = tiny_data
    runs = [train_model(tiny_model(3), train, epochs=1, batch_size=16, device="cpu", seed=4,
                        progress=False).train_loss for _ in range(2)]
    assert runs[0] == runs[1]


def test_training_learns_an_easy_pair_of_classes():
    data = make_plankton(n=400, size=32, seed=8, balanced=True)
    pair = data.subset(np.isin(data.labels, [3, 6]))  # fecal pellets and radiolarians
    labels = (pair.labels == 6).astype(np.int64)
    torch.manual_seed(0)
    model = PlanktonCNN(n_classes=2, channels=(4, 8), feature_size=8)
    before = evaluate(model, pair.images, labels, device="cpu")["accuracy"]
    history = train_model(model, (pair.images, labels), epochs=8, batch_size=16,
                          learning_rate=1e-2, device="cpu", progress=False)
    assert history.train_loss[-1] < 0.5 * history.train_loss[0]
    scores = evaluate(model, pair.images, labels, device="cpu")
    assert before < 0.75 < 0.9 < scores["accuracy"] and scores["balanced_accuracy"] > 0.9
    probabilities = predict_proba(model, pair.images, device="cpu")
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)
    assert np.array_equal(predict(model, pair.images, device="cpu"), probabilities.argmax(1))


def test_progress_bar_shows_images_per_second(tiny_data, capsys):
    train_model(tiny_model(), tiny_data[0], epochs=1, device="cpu", progress=True)
    assert "img/s" in capsys.readouterr().err


def test_balanced_class_weights():
    labels = torch.tensor([0, 0, 0, 1])
    weights = _class_weights(labels, 2, "balanced")
    torch.testing.assert_close(weights, torch.tensor([4 / 6, 4 / 2]))
    assert _class_weights(labels, 2, None) is None
    with pytest.raises(ValueError, match="2 weights"):
        _class_weights(labels, 2, [1.0, 2.0, 3.0])


def test_device_choice_and_cuda_only_features(monkeypatch):
    assert resolve_device(None) == torch.device(
        "cuda" if torch.cuda.is_available() else "mps" if torch.backends.mps.is_available()
        else "cpu")
    assert not make_loader(np.zeros((4, 8, 8), np.float32), device="cpu").pin_memory
    assert not _use_mixed_precision(torch.device("cpu"), None)
    assert _use_mixed_precision(torch.device("cuda"), None)
    with pytest.raises(ValueError, match="mixed precision needs a CUDA GPU"):
        _use_mixed_precision(torch.device("cpu"), True)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert make_loader(np.zeros((4, 8, 8), np.float32), device="cuda").pin_memory


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"epochs": 0}, "epochs must be"), ({"learning_rate": 0}, "learning_rate must be"),
     ({"schedule": "linear"}, "schedule must be"), ({"mixed_precision": True}, "CUDA GPU"),
     ({"class_weight": "inverse"}, "class_weight must be"),
     ({"train": (np.zeros((4, 8, 8), np.float32), np.zeros(3))}, "labels must have shape"),
     ({"train": np.zeros((4, 8, 8))}, "PlanktonSet or an \\(images, labels\\) pair"),
     ({"train": (np.zeros((4, 8, 8), np.int64), np.zeros(4))}, "must hold floats")],
)
def test_bad_training_arguments(tiny_data, kwargs, message):
    arguments = {"train": tiny_data[0], "device": "cpu", "progress": False, **kwargs}
    with pytest.raises(ValueError, match=message):
        train_model(tiny_model(), **arguments)


def test_feature_extraction_checks_its_input(extractor):
    with pytest.raises(ValueError, match="images must have shape"):
        extract_features(extractor, np.zeros((2, 3, 64, 64), np.float32), device="cpu")
    with pytest.raises(ValueError, match="images is empty"):
        extract_features(extractor, np.zeros((0, 64, 64), np.float32), device="cpu")
