"""Values as plain data: what a student's function was given and what it returned.

The grader's replay (:mod:`dlcourse.grading.replay`) never trusts an object made in a student's
kernel. The kernel writes each value as *plain data* (JSON: strings, lists, dicts), and the
trusted grader turns that data back into fresh objects of its own: a NumPy array decoded here is
a plain ``numpy.ndarray`` made from bytes, whatever the student's object claimed to be.

Every value but ``None``, booleans and strings is a dict with one key, its tag:

=================  ============================================================================
``int``            decimal text (any size)
``float``          ``float.hex`` text (exact, NaN and infinities included)
``complex``        two ``float.hex`` texts
``bytes``          base64 text
``list``,          a list of values
``tuple``, ...     (also ``set``, ``frozenset``)
``namedtuple``     ``{"name", "fields", "items"}``
``dict``           a list of ``[key, value]`` pairs (keys of any encodable type, order kept)
``ndarray``        ``{"dtype", "shape", "data"}``: numeric or boolean dtype, C-order bytes in base64
``ndsummary``      a large array given as an argument: ``{"dtype", "shape", "digest", "samples"}``
``npscalar``       a NumPy scalar: ``{"dtype", "data"}``
``tensor``         a PyTorch tensor: ``{"dtype", "shape", "data", "requires_grad"}``
``function``       one of the student's graded functions, by name
``callable``       any other function, by ``module.qualname`` (only compared, never called)
``unsupported``    anything else, by type name (compared by name; cannot be decoded)
=================  ============================================================================

Decoding checks everything (tags, dtypes, sizes, depth) and raises :class:`MalformedValue` on
anything else: data from a student's kernel may be forged.

Examples
--------
>>> import numpy as np
>>> data = encode((np.arange(3.0), {"lr": 0.1}))
>>> value = decode(data)
>>> type(value[0]).__name__, value[0].tolist(), value[1]
('ndarray', [0.0, 1.0, 2.0], {'lr': 0.1})
>>> same(encode(0.1 + 0.2), encode(0.3))
True
"""

from __future__ import annotations

import base64
import binascii
import builtins
import collections
import hashlib
import math
import sys
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

__all__ = [
    "MalformedValue",
    "NotDecodable",
    "builtin_exception",
    "decode",
    "describe",
    "encode",
    "same",
]

#: Arrays with more elements than this are summarised when given as arguments.
SUMMARY_THRESHOLD = 65_536
#: Elements of a summarised array kept for comparison.
SUMMARY_SAMPLES = 256
#: Deepest nesting of containers encoded or decoded.
MAX_DEPTH = 24
#: Relative tolerance when two records of floating-point arguments are compared.
ARGUMENT_RTOL = 1e-9
_ARRAY_KINDS = "biufc"
_TORCH_DTYPES = ("float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8",
                 "bool", "complex64", "complex128")


class MalformedValue(ValueError):
    """Plain data that is not a valid encoded value (forged, truncated or too large)."""


class NotDecodable(ValueError):
    """A well-formed value that cannot become an object: a function or an unsupported type."""


# --------------------------------------------------------------------------- encoding


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _array_payload(array: np.ndarray) -> dict[str, Any]:
    array = np.ascontiguousarray(array)
    return {"dtype": array.dtype.str, "shape": list(array.shape), "data": _b64(array.tobytes())}


def _summary(array: np.ndarray) -> dict[str, Any]:
    array = np.ascontiguousarray(array)
    flat = array.reshape(-1)
    picks = np.unique(np.linspace(0, flat.size - 1, SUMMARY_SAMPLES).astype(np.int64))
    return {"dtype": array.dtype.str, "shape": list(array.shape),
            "digest": hashlib.blake2b(array.tobytes(), digest_size=16).hexdigest(),
            "samples": _b64(np.ascontiguousarray(flat[picks]).tobytes())}


def _callable_name(value: Any) -> str:
    module = getattr(value, "__module__", None) or type(value).__module__
    name = (getattr(value, "__qualname__", None) or getattr(value, "__name__", None)
            or type(value).__qualname__)
    return f"{module}.{name}"


def encode(value: Any, *, functions: Mapping[int, str] | None = None,
           summarize: bool = False) -> Any:
    """Write ``value`` as plain data (see the module's docstring for the format).

    Parameters
    ----------
    value : object
        What to encode. Containers are encoded element by element.
    functions : mapping of int to str, optional
        ``id`` of each graded function object (the kernel's recorders, the replay's stand-ins)
        to its name: they are written as ``{"function": name}``.
    summarize : bool
        Write arrays of more than ``SUMMARY_THRESHOLD`` elements as a summary (arguments only:
        a summary is compared, never decoded).

    Returns
    -------
    object
        ``None``, a bool, a str or a one-key dict; never raises for an unsupported object
        (it becomes ``{"unsupported": type name}``).
    """
    return _encode(value, functions or {}, summarize, 0)


def _encode(value: Any, functions: Mapping[int, str], summarize: bool, depth: int) -> Any:
    # Types are read with type(), never isinstance(): an object may lie about its __class__.
    if depth > MAX_DEPTH:
        return {"unsupported": "nesting deeper than the grader reads"}
    kind = type(value)
    if value is None or kind is bool or kind is str:
        return value
    if id(value) in functions:
        return {"function": functions[id(value)]}
    if issubclass(kind, np.ndarray):
        if value.dtype.kind not in _ARRAY_KINDS or value.dtype.fields is not None:
            return {"unsupported": f"numpy array of dtype {value.dtype}"}
        if summarize and value.size > SUMMARY_THRESHOLD:
            return {"ndsummary": _summary(value)}
        return {"ndarray": _array_payload(value)}
    if issubclass(kind, np.generic):
        if value.dtype.kind not in _ARRAY_KINDS:
            return {"unsupported": f"numpy scalar {kind.__name__}"}
        return {"npscalar": {"dtype": value.dtype.str, "data": _b64(value.tobytes())}}
    if issubclass(kind, int):
        return {"int": str(int(value))}
    if issubclass(kind, float):
        return {"float": float(value).hex()}
    if issubclass(kind, complex):
        return {"complex": [complex(value).real.hex(), complex(value).imag.hex()]}
    if issubclass(kind, str):
        return str.__str__(value)
    if issubclass(kind, (bytes, bytearray)):
        return {"bytes": _b64(bytes(value))}
    return _encode_container(value, kind, functions, summarize, depth)


def _encode_container(value: Any, kind: type, functions: Mapping[int, str], summarize: bool,
                      depth: int) -> Any:
    def each(items: Any) -> list[Any]:
        return [_encode(item, functions, summarize, depth + 1) for item in items]

    if issubclass(kind, tuple) and hasattr(kind, "_fields"):
        return {"namedtuple": {"name": kind.__name__,
                               "fields": [str(field) for field in kind._fields],
                               "items": each(tuple.__iter__(value))}}
    for container, tag in ((list, "list"), (tuple, "tuple"), (frozenset, "frozenset"),
                           (set, "set")):
        if issubclass(kind, container):
            return {tag: each(container.__iter__(value))}
    if issubclass(kind, dict):
        return {"dict": [each(pair) for pair in dict.items(value)]}
    torch = sys.modules.get("torch")
    if torch is not None and issubclass(kind, torch.Tensor):
        tensor = value.detach().cpu()
        dtype = str(tensor.dtype).replace("torch.", "")
        if dtype not in _TORCH_DTYPES:
            return {"unsupported": f"torch tensor of dtype {dtype}"}
        if summarize and tensor.numel() > SUMMARY_THRESHOLD:
            return {"ndsummary": _summary(tensor.numpy())}
        payload = _array_payload(tensor.numpy())
        payload["dtype"] = dtype
        payload["requires_grad"] = bool(value.requires_grad)
        return {"tensor": payload}
    if callable(value):
        return {"callable": _callable_name(value)}
    return {"unsupported": f"{kind.__module__}.{kind.__qualname__}"}


# --------------------------------------------------------------------------- decoding


class _Budget:
    """Bytes that decoding may still allocate."""

    def __init__(self, limit: int) -> None:
        self.left = limit

    def take(self, size: int) -> None:
        self.left -= size
        if self.left < 0:
            raise MalformedValue("the recorded values are larger than the grader accepts")


def _tag(data: Any) -> tuple[str, Any]:
    if not (isinstance(data, dict) and len(data) == 1):
        raise MalformedValue(f"not an encoded value: {type(data).__name__}")
    ((tag, body),) = data.items()
    if not isinstance(tag, str):
        raise MalformedValue("an encoded value's tag must be text")
    return tag, body


def _text(body: Any, what: str) -> str:
    if not isinstance(body, str):
        raise MalformedValue(f"{what} must be text")
    return body


def _unb64(body: Any, budget: _Budget) -> bytes:
    text = _text(body, "base64 data")
    budget.take(len(text) * 3 // 4)
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        raise MalformedValue("invalid base64 data") from None


def _hex_float(body: Any) -> float:
    text = _text(body, "a float")
    if len(text) > 40:
        raise MalformedValue("a float's text is too long")
    try:
        return float.fromhex(text)
    except (ValueError, OverflowError):
        raise MalformedValue(f"invalid float {text[:40]!r}") from None


def _numeric_dtype(text: Any) -> np.dtype:
    text = _text(text, "a dtype")
    if len(text) > 8:
        raise MalformedValue("invalid dtype")
    try:
        dtype = np.dtype(text)
    except (TypeError, ValueError):
        raise MalformedValue(f"invalid dtype {text!r}") from None
    if dtype.kind not in _ARRAY_KINDS or dtype.hasobject or dtype.fields is not None \
            or dtype.subdtype is not None:
        raise MalformedValue(f"dtype {text!r} is not numeric")
    return dtype


def _shape(body: Any) -> tuple[int, ...]:
    if not isinstance(body, list) or len(body) > 32:
        raise MalformedValue("invalid shape")
    if not all(type(size) is int and 0 <= size < 2**40 for size in body):
        raise MalformedValue("invalid shape")
    return tuple(body)


def _array(body: Any, budget: _Budget, dtype: np.dtype | None = None) -> np.ndarray:
    if not isinstance(body, dict):
        raise MalformedValue("invalid array")
    dtype = dtype if dtype is not None else _numeric_dtype(body.get("dtype"))
    shape = _shape(body.get("shape"))
    raw = _unb64(body.get("data"), budget)
    if len(raw) != math.prod(shape) * dtype.itemsize:
        raise MalformedValue("an array's data does not match its shape and dtype")
    return np.frombuffer(raw, dtype=dtype).reshape(shape).copy()


def decode(data: Any, *, functions: Mapping[str, Callable[..., Any]] | None = None,
           limit: int = 256 * 2**20) -> Any:
    """Make fresh objects from plain data written by :func:`encode`.

    Parameters
    ----------
    data : object
        Plain data, possibly forged.
    functions : mapping of str to callable, optional
        What ``{"function": name}`` decodes to (the replay's stand-ins).
    limit : int
        Most bytes the decoded arrays and strings may take.

    Returns
    -------
    object
        Plain Python and NumPy objects (and PyTorch tensors for ``tensor`` values).

    Raises
    ------
    MalformedValue
        If ``data`` is not valid encoded data, or too large.
    NotDecodable
        If it holds a function other than ``functions``, an array summary, or an unsupported
        object.
    """
    return _decode(data, functions or {}, _Budget(limit), 0)


def _decode(data: Any, functions: Mapping[str, Callable[..., Any]], budget: _Budget,
            depth: int) -> Any:
    if depth > MAX_DEPTH:
        raise MalformedValue("values nested too deeply")
    if data is None or isinstance(data, bool):
        return data
    if isinstance(data, str):
        budget.take(len(data))
        return str(data)
    tag, body = _tag(data)
    if tag == "int":
        text = _text(body, "an int")
        if len(text) > 4000 or not text.lstrip("-").isdigit():
            raise MalformedValue("invalid int")
        return int(text)
    if tag == "float":
        return _hex_float(body)
    if tag == "complex":
        if not (isinstance(body, list) and len(body) == 2):
            raise MalformedValue("invalid complex")
        return complex(_hex_float(body[0]), _hex_float(body[1]))
    if tag == "bytes":
        return _unb64(body, budget)
    if tag in ("list", "tuple", "set", "frozenset"):
        if not isinstance(body, list):
            raise MalformedValue(f"invalid {tag}")
        budget.take(8 * len(body))
        items = [_decode(item, functions, budget, depth + 1) for item in body]
        try:
            return {"list": list, "tuple": tuple, "set": set, "frozenset": frozenset}[tag](items)
        except TypeError:
            raise MalformedValue(f"a {tag} of unhashable items") from None
    if tag == "namedtuple":
        return _namedtuple(body, functions, budget, depth)
    if tag == "dict":
        if not (isinstance(body, list)
                and all(isinstance(pair, list) and len(pair) == 2 for pair in body)):
            raise MalformedValue("invalid dict")
        budget.take(16 * len(body))
        try:
            return {_decode(key, functions, budget, depth + 1):
                    _decode(item, functions, budget, depth + 1) for key, item in body}
        except TypeError:
            raise MalformedValue("a dict with an unhashable key") from None
    if tag == "ndarray":
        return _array(body, budget)
    if tag == "npscalar":
        if not isinstance(body, dict):
            raise MalformedValue("invalid numpy scalar")
        dtype = _numeric_dtype(body.get("dtype"))
        raw = _unb64(body.get("data"), budget)
        if len(raw) != dtype.itemsize:
            raise MalformedValue("invalid numpy scalar")
        return np.frombuffer(raw, dtype=dtype)[0]
    if tag == "tensor":
        return _tensor(body, budget)
    if tag == "function":
        name = _text(body, "a function name")
        if name not in functions:
            raise NotDecodable(f"a function ({name[:60]})")
        return functions[name]
    if tag == "callable":
        raise NotDecodable(f"a function ({_text(body, 'a name')[:80]})")
    if tag == "ndsummary":
        raise NotDecodable("a summary of a large array")
    if tag == "unsupported":
        raise NotDecodable(f"a {_text(body, 'a type name')[:80]}")
    raise MalformedValue(f"unknown tag {tag[:40]!r}")


def _namedtuple(body: Any, functions: Mapping[str, Callable[..., Any]], budget: _Budget,
                depth: int) -> tuple:
    if not isinstance(body, dict):
        raise MalformedValue("invalid namedtuple")
    name, fields, items = body.get("name"), body.get("fields"), body.get("items")
    if not (isinstance(fields, list) and isinstance(items, list) and len(fields) == len(items)
            and len(fields) <= 255):
        raise MalformedValue("invalid namedtuple")
    try:
        kind = collections.namedtuple(_text(name, "a name")[:80], fields)
    except (TypeError, ValueError):
        raise MalformedValue("invalid namedtuple names") from None
    return kind(*(_decode(item, functions, budget, depth + 1) for item in items))


def _tensor(body: Any, budget: _Budget) -> Any:
    if not isinstance(body, dict) or body.get("dtype") not in _TORCH_DTYPES:
        raise MalformedValue("invalid tensor")
    import torch

    dtype = body["dtype"]
    array = _array(body, budget, np.dtype("bool" if dtype == "bool" else dtype))
    tensor = torch.from_numpy(array)
    if body.get("requires_grad") is True and tensor.is_floating_point():
        tensor.requires_grad_(True)
    return tensor


# --------------------------------------------------------------------------- comparing


def _close(recorded: np.ndarray, replayed: np.ndarray) -> bool:
    if recorded.shape != replayed.shape:
        return False
    if recorded.dtype.kind not in "fc":
        return bool(np.array_equal(recorded, replayed))
    finite = np.abs(replayed[np.isfinite(replayed)])
    scale = float(finite.max()) if finite.size else 0.0
    with np.errstate(all="ignore"):
        return bool(np.allclose(recorded, replayed, rtol=ARGUMENT_RTOL,
                                atol=ARGUMENT_RTOL * scale, equal_nan=True))


def same(recorded: Any, replayed: Any) -> bool:
    """Whether two encoded arguments are the same, floating-point values within 1e-9.

    The replay compares the arguments a student's kernel says a function was given with the
    arguments the trusted test gives it. Floating-point numbers may differ in their last bits
    between two processes (threads in linear algebra), so they are compared with a relative
    tolerance of ``ARGUMENT_RTOL`` (scaled by the largest element of an array); everything else
    must be equal. Malformed data is never the same as anything.
    """
    try:
        return _same(recorded, replayed, 0)
    except (MalformedValue, NotDecodable, ValueError, TypeError):
        return False


def _same(recorded: Any, replayed: Any, depth: int) -> bool:
    if depth > MAX_DEPTH:
        return False
    if recorded is None or isinstance(recorded, (bool, str)):
        return type(recorded) is type(replayed) and recorded == replayed
    tag, body = _tag(recorded)
    other_tag, other = _tag(replayed)
    if tag != other_tag:
        return False
    budget = _Budget(2**40)
    if tag == "float":
        return _close(np.array(_hex_float(body)), np.array(_hex_float(other)))
    if tag == "complex":
        return _close(np.array(decode(recorded)), np.array(decode(replayed)))
    if tag in ("list", "tuple", "set", "frozenset"):
        return (isinstance(body, list) and len(body) == len(other)
                and all(_same(a, b, depth + 1) for a, b in zip(body, other, strict=True)))
    if tag == "dict":
        return (isinstance(body, list) and len(body) == len(other)
                and all(isinstance(a, list) and len(a) == 2
                        and _same(a[0], b[0], depth + 1) and _same(a[1], b[1], depth + 1)
                        for a, b in zip(body, other, strict=True)))
    if tag == "namedtuple":
        return (isinstance(body, dict) and body.get("name") == other.get("name")
                and body.get("fields") == other.get("fields")
                and _same({"tuple": body.get("items")}, {"tuple": other.get("items")}, depth))
    if tag in ("ndarray", "tensor"):
        if not isinstance(body, dict) or body.get("dtype") != other.get("dtype"):
            return False
        dtype = _numeric_dtype(body["dtype"] if tag == "ndarray" else
                               ("bool" if body["dtype"] == "bool" else body["dtype"]))
        return _close(_array(body, budget, dtype), _array(other, budget, dtype))
    if tag == "npscalar":
        if not isinstance(body, dict) or body.get("dtype") != other.get("dtype"):
            return False
        return _close(np.asarray(decode(recorded)), np.asarray(decode(replayed)))
    if tag == "ndsummary":
        if not isinstance(body, dict) or any(body.get(key) != other.get(key)
                                             for key in ("dtype", "shape")):
            return False
        dtype = _numeric_dtype(body["dtype"])
        if dtype.kind not in "fc":
            return body.get("digest") == other.get("digest")
        samples = [np.frombuffer(_unb64(part.get("samples"), budget), dtype=dtype)
                   for part in (body, other)]
        return _close(*samples)
    return recorded == replayed


# --------------------------------------------------------------------------- messages


def describe(data: Any, width: int = 60) -> str:
    """A short description of an encoded value for messages, e.g. ``array (41,) float64``."""
    try:
        text = _describe(data, 0)
    except (MalformedValue, NotDecodable, ValueError, TypeError, KeyError):
        text = "(unreadable)"
    return text if len(text) <= width else text[:width - 3] + "..."


def _describe(data: Any, depth: int) -> str:
    if data is None or isinstance(data, (bool, str)):
        return repr(data)
    tag, body = _tag(data)
    if depth > 2:
        return "..."
    if tag in ("int", "float", "complex", "npscalar"):
        return repr(decode(data))
    if tag in ("ndarray", "ndsummary", "tensor"):
        kind = "array" if tag != "tensor" else "tensor"
        dtype = body["dtype"] if tag == "tensor" else np.dtype(body["dtype"]).name
        return f"{kind} {tuple(body['shape'])} {dtype}"
    if tag in ("list", "tuple"):
        inner = ", ".join(_describe(item, depth + 1) for item in body[:4])
        more = ", ..." if len(body) > 4 else ""
        return f"[{inner}{more}]" if tag == "list" else f"({inner}{more})"
    if tag == "dict":
        inner = ", ".join(f"{_describe(k, depth + 1)}: {_describe(v, depth + 1)}"
                          for k, v in body[:4])
        return "{" + inner + (", ..." if len(body) > 4 else "") + "}"
    if tag in ("function", "callable"):
        return str(body)
    return f"<{tag}>"


def builtin_exception(name: Any) -> type[Exception] | None:
    """The built-in exception class called ``name`` (e.g. ``"ValueError"``), or None."""
    if not isinstance(name, str):
        return None
    found = getattr(builtins, name, None)
    if isinstance(found, type) and issubclass(found, Exception):
        return found
    return None
