"""Checking helpers for exercise test cells.

Each helper raises :class:`AssertionError` with a message that says what is wrong (the
type, the shape, which element, by how much) and, where it helps, what to look at. They
never use the ``assert`` statement, so they keep working under ``python -O``.

Examples
--------
>>> import numpy as np
>>> check_array(np.array([0.5, 1.0]), [0.5, 1.0], "f(z)")
>>> check_array(np.array([0.5, 2.0]), [0.5, 1.0], "f(z)")
Traceback (most recent call last):
...
AssertionError: f(z)[1] is 2, expected 1 (1 of 2 values differ)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np


def _fail(message: str) -> None:
    raise AssertionError(message)


def _describe_type(value: Any) -> str:
    return type(value).__name__


def check_callable(obj: Any, name: str) -> None:
    """Fail unless ``obj`` is a function (e.g. the student kept the function's name)."""
    if not callable(obj):
        _fail(f"{name} should be a function, but it is a {_describe_type(obj)}")


def _to_float_array(actual: Any, name: str) -> np.ndarray:
    if actual is None:
        _fail(f"{name} returned None: did you forget the `return` statement?")
    try:
        array = np.asarray(actual, dtype=np.float64)
    except (TypeError, ValueError) as error:
        _fail(f"{name} should be numbers, got a {_describe_type(actual)} ({error})")
    return array


def check_shape(actual: Any, expected_shape: tuple[int, ...], name: str, hint: str = "") -> None:
    """Fail unless ``actual`` is an array of shape ``expected_shape``."""
    shape = np.shape(actual)
    if tuple(shape) != tuple(expected_shape):
        extra = f"; {hint}" if hint else ""
        _fail(f"{name} has shape {tuple(shape)}, expected {tuple(expected_shape)}{extra}")


def check_array(
    actual: Any,
    expected: Any,
    name: str,
    *,
    atol: float = 1e-8,
    rtol: float = 1e-6,
    require_ndarray: bool = True,
    inputs: Any = None,
) -> None:
    """Fail unless ``actual`` equals ``expected`` element-wise within tolerance.

    Parameters
    ----------
    actual : array-like
        What the student's code returned.
    expected : array-like
        The right answer.
    name : str
        How to call ``actual`` in messages, e.g. ``"sigmoid(z)"``.
    atol, rtol : float
        Absolute and relative tolerance (as in :func:`numpy.isclose`).
    require_ndarray : bool
        Also fail if ``actual`` is not a :class:`numpy.ndarray` (a list, a float...).
    inputs : array-like, optional
        The input array, quoted beside the first wrong element to help find the bug.
    """
    expected = np.asarray(expected, dtype=np.float64)
    if actual is None:
        _fail(f"{name} returned None: did you forget the `return` statement?")
    if require_ndarray and expected.ndim > 0 and not isinstance(actual, np.ndarray):
        _fail(
            f"{name} should return a numpy array, got a {_describe_type(actual)}; "
            "use numpy operations on the whole array (no Python loop over its elements)"
        )
    array = _to_float_array(actual, name)
    check_shape(array, expected.shape, name, hint="it should have the same shape as the input")
    nan_expected = np.isnan(expected)
    bad_nan = np.isnan(array) & ~nan_expected
    if bad_nan.any():
        index = tuple(int(i) for i in np.argwhere(bad_nan)[0])
        _fail(
            f"{name} contains NaN at index {index if len(index) > 1 else index[0]}"
            f"{_input_note(inputs, index)}: look for 0/0, inf - inf or inf/inf"
        )
    bad_inf = np.isinf(array) & ~np.isinf(expected)
    if bad_inf.any():
        index = tuple(int(i) for i in np.argwhere(bad_inf)[0])
        _fail(
            f"{name} contains inf at index {index if len(index) > 1 else index[0]}"
            f"{_input_note(inputs, index)}: an exponential overflowed?"
        )
    close = np.isclose(array, expected, atol=atol, rtol=rtol, equal_nan=True)
    if not close.all():
        wrong = np.argwhere(~close)
        index = tuple(int(i) for i in wrong[0])
        shown = index if len(index) > 1 else index[0]
        if expected.ndim == 0:
            _fail(f"{name} is {array.item():.6g}, expected {expected.item():.6g}")
        _fail(
            f"{name}[{shown}] is {array[index]:.6g}, expected {expected[index]:.6g}"
            f"{_input_note(inputs, index)} ({len(wrong)} of {expected.size} values differ)"
        )


def _input_note(inputs: Any, index: tuple[int, ...]) -> str:
    if inputs is None:
        return ""
    try:
        value = np.asarray(inputs)[index]
    except (IndexError, TypeError, ValueError):
        return ""
    return f" for input {value:.6g}" if np.ndim(value) == 0 else f" for input {value}"


def check_scalar(actual: Any, expected: float, name: str, *, atol: float = 1e-8,
                 rtol: float = 1e-6) -> None:
    """Fail unless ``actual`` is a single number close to ``expected``."""
    array = _to_float_array(actual, name)
    if array.ndim != 0 and array.size != 1:
        _fail(f"{name} should be a single number, got shape {array.shape}")
    value = float(array.reshape(()))
    if not np.isclose(value, expected, atol=atol, rtol=rtol):
        _fail(f"{name} is {value:.6g}, expected {expected:.6g}")


def check_no_float_error(function: Callable[..., Any], *args: Any, name: str = "",
                         **kwargs: Any) -> Any:
    """Call ``function(*args, **kwargs)`` with NumPy overflow and invalid operations raised.

    Returns what the function returns; fails with a message naming the floating-point
    error if an exponential overflows or a 0/0 happens along the way.
    """
    label = name or getattr(function, "__name__", "the function")
    try:
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            return function(*args, **kwargs)
    except FloatingPointError as error:
        _fail(
            f"{label} hit a floating-point error ({error}): for large |z| an exponential "
            "overflows; rewrite it so that exp is only taken of non-positive numbers"
        )


def check_keys(actual: Any, allowed: Any, name: str) -> None:
    """Fail unless ``actual`` is a dict whose keys are all among ``allowed``.

    The message names each unknown key and lists the allowed ones, e.g. for a typo.
    """
    if not isinstance(actual, dict):
        _fail(f"{name} should be a dict, got a {_describe_type(actual)}")
    unknown = [key for key in actual if key not in allowed]
    if unknown:
        listed = ", ".join(repr(key) for key in unknown)
        _fail(f"{name} has unknown key(s) {listed}; the allowed keys are {sorted(allowed)}")


def check_gradient(actual: Any, expected: Any, name: str, *, tolerance: float = 1e-6) -> None:
    """Fail unless a gradient agrees with another (e.g. finite differences) in relative error.

    The relative error is ``|actual - expected| / (|actual| + |expected|)`` over all entries
    (:func:`dlcourse.nn.gradcheck.relative_error`); a correct gradient checked against central
    differences stays far below ``tolerance``, a bug is usually above 1e-2.
    """
    from dlcourse.nn.gradcheck import relative_error

    expected = np.asarray(expected, dtype=np.float64)
    array = _to_float_array(actual, name)
    check_shape(array, expected.shape, name, hint="a gradient has the shape of its parameter")
    if not np.all(np.isfinite(array)):
        _fail(f"{name} contains NaN or inf")
    error = relative_error(array, expected)
    if not error < tolerance:
        _fail(f"{name} differs from the finite-difference gradient: relative error {error:.2e}, "
              f"it should be below {tolerance:.0e}")
