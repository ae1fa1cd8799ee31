"""Mutation operators: small, plausible bugs planted in a graded function, one at a time.

A *mutant* is the function with one change: an operator swapped (``+`` for ``-``, ``<`` for
``<=``, ``and`` for ``or``), a numeric constant changed (0 to 1, n to n + 1, n to -n), an index
or a slice bound moved by one, a statement dropped, an ``axis=`` argument removed or changed, a
NumPy reduction swapped for its twin (``sum`` for ``mean``, ``maximum`` for ``minimum``) or two
returned values swapped. Strong tests fail on (*catch*) almost every mutant;
:mod:`dlcourse.grading.strength` runs them.

Mutants come in a fixed order: the nodes of the function in source order, then the operators
in the order of :data:`OPERATORS`. Two changes that give the same code count once.

Examples
--------
>>> import ast
>>> function = ast.parse("def area(w, h):\\n    return w * h\\n").body[0]
>>> [mutant.after for mutant in function_mutants(function)]
['', 'return w / h']
"""

from __future__ import annotations

import ast
import copy
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

__all__ = [
    "DEFAULT_MAX_MUTANTS",
    "DROP",
    "OPERATORS",
    "Mutant",
    "function_mutants",
    "graded_functions",
    "sample_mutants",
]


class _Drop:
    """Marker returned by an operator to remove a statement."""

    def __repr__(self) -> str:
        return "DROP"


#: The most mutants tried per function by default (an even sample of them beyond that).
DEFAULT_MAX_MUTANTS = 120

#: What an operator returns to remove the statement it was given.
DROP = _Drop()

Replacement = ast.AST | _Drop
Operator = Callable[[ast.AST], Iterator[Replacement]]
Path = tuple[tuple[str, int | None], ...]


@dataclass(frozen=True)
class Mutant:
    """One mutant of a graded function.

    Attributes
    ----------
    function : str
        The function's name.
    operator : str
        The operator that made it (a key of :data:`OPERATORS`).
    line : int
        The line of the changed statement, counted in the source the function was parsed from.
    before, after : str
        The changed statement before and after the change, on one line (a compound statement
        is shown by its first line). ``after`` is empty when the statement was dropped.
    source : str
        The whole mutated function, as Python source.
    node : ast.FunctionDef
        The mutated function, ready to be put back in its cell's module and compiled.
    """

    function: str
    operator: str
    line: int
    before: str
    after: str
    source: str
    node: ast.FunctionDef = field(compare=False, repr=False)

    def describe(self) -> str:
        """Return the change as one readable line, e.g. ``line 4: `a < b` -> `a <= b```.

        In a long statement only the changed part is shown, with a little context.
        """
        if not self.after:
            return f"line {self.line}: dropped `{_clip(self.before)}`"
        before, after = _changed_part(self.before, self.after)
        return f"line {self.line}: `{before}` -> `{after}`"


_WIDTH = 60
_CONTEXT = 16


def _clip(text: str) -> str:
    return text if len(text) <= _WIDTH else text[:_WIDTH - 3] + "..."


def _changed_part(before: str, after: str) -> tuple[str, str]:
    """The part of two long lines that differs, with some context on each side."""
    if len(before) <= _WIDTH and len(after) <= _WIDTH:
        return before, after
    shortest = min(len(before), len(after))
    prefix = next((i for i in range(shortest) if before[i] != after[i]), shortest)
    suffix = next((i for i in range(shortest - prefix) if before[-1 - i] != after[-1 - i]),
                  shortest - prefix)
    start = max(0, prefix - _CONTEXT)
    start = before.rfind(" ", 0, start + 1) + 1 if start else 0  # from the start of a word
    kept_suffix = max(0, suffix - _CONTEXT)
    if kept_suffix:  # to the end of a word
        space = before.find(" ", len(before) - kept_suffix)
        kept_suffix = len(before) - space if space >= 0 else 0

    def cut(text: str) -> str:
        end = len(text) - kept_suffix
        return ("..." if start else "") + text[start:end] + ("..." if kept_suffix else "")

    return cut(before), cut(after)


# ------------------------------------------------------------------------------ operators

_ARITHMETIC: dict[type[ast.operator], tuple[type[ast.operator], ...]] = {
    ast.Add: (ast.Sub,),
    ast.Sub: (ast.Add,),
    ast.Mult: (ast.Div,),
    ast.Div: (ast.Mult,),
    ast.FloorDiv: (ast.Div,),
    ast.Mod: (ast.FloorDiv,),
    ast.Pow: (ast.Mult,),
    ast.MatMult: (ast.Mult,),
}
# Each relational operator becomes its boundary twin (< and <=) and its negation (< and >=).
_COMPARISON: dict[type[ast.cmpop], tuple[type[ast.cmpop], ...]] = {
    ast.Lt: (ast.LtE, ast.GtE),
    ast.LtE: (ast.Lt, ast.Gt),
    ast.Gt: (ast.GtE, ast.LtE),
    ast.GtE: (ast.Gt, ast.Lt),
    ast.Eq: (ast.NotEq,),
    ast.NotEq: (ast.Eq,),
    ast.Is: (ast.IsNot,),
    ast.IsNot: (ast.Is,),
    ast.In: (ast.NotIn,),
    ast.NotIn: (ast.In,),
}
# NumPy functions and methods that are easily confused with a twin.
_TWINS = {
    "maximum": "minimum", "minimum": "maximum", "max": "min", "min": "max",
    "sum": "mean", "mean": "sum", "argmax": "argmin", "argmin": "argmax",
    "nanmax": "nanmin", "nanmin": "nanmax", "nansum": "nanmean", "nanmean": "nansum",
}


def _is_number(node: ast.AST) -> bool:
    return (isinstance(node, ast.Constant) and isinstance(node.value, int | float)
            and not isinstance(node.value, bool))


def _with(node: ast.AST, **changes: object) -> ast.AST:
    """A copy of ``node`` with some fields replaced."""
    new = copy.deepcopy(node)
    for name, value in changes.items():
        setattr(new, name, value)
    return new


def arithmetic(node: ast.AST) -> Iterator[Replacement]:
    """Swap an arithmetic operator (``+`` and ``-``, ``*`` and ``/``, ``**`` and ``@`` to ``*``);
    remove a unary minus or ``~``."""
    if isinstance(node, ast.BinOp | ast.AugAssign):
        for other in _ARITHMETIC.get(type(node.op), ()):
            yield _with(node, op=other())
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.Invert):
        yield copy.deepcopy(node.operand)


def comparison(node: ast.AST) -> Iterator[Replacement]:
    """Replace a comparison by its boundary twin and by its negation (``<`` by ``<=``, ``>=``)."""
    if isinstance(node, ast.Compare):
        for index, op in enumerate(node.ops):
            for other in _COMPARISON.get(type(op), ()):
                ops = list(node.ops)
                ops[index] = other()
                yield _with(node, ops=ops)


def boolean(node: ast.AST) -> Iterator[Replacement]:
    """Swap ``and`` and ``or``, remove a ``not``, swap ``True`` and ``False``."""
    if isinstance(node, ast.BoolOp):
        yield _with(node, op=ast.Or() if isinstance(node.op, ast.And) else ast.And())
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        yield copy.deepcopy(node.operand)
    elif isinstance(node, ast.Constant) and isinstance(node.value, bool):
        yield ast.Constant(not node.value)


def constant(node: ast.AST) -> Iterator[Replacement]:
    """Change a numeric constant: 0 to 1; any other n to n + 1 and to -n."""
    if _is_number(node):
        value = node.value
        for new in ((1 if isinstance(value, int) else 1.0,) if value == 0 else (value + 1, -value)):
            yield ast.Constant(new)


def _plus(expression: ast.expr, step: int) -> ast.expr:
    """``expression + step``, folded when it is a number."""
    if _is_number(expression):
        return ast.Constant(expression.value + step)
    op = ast.Add() if step > 0 else ast.Sub()
    return ast.BinOp(copy.deepcopy(expression), op, ast.Constant(abs(step)))


def index(node: ast.AST) -> Iterator[Replacement]:
    """Move an integer index, a slice bound or a ``range`` bound by one (off-by-one errors)."""
    if isinstance(node, ast.Subscript):
        key = node.slice
        if isinstance(key, ast.Constant) and _is_number(key) and isinstance(key.value, int):
            for step in (1, -1):
                yield _with(node, slice=_plus(key, step))
        elif isinstance(key, ast.Slice):
            if key.lower is None:
                yield _with(node, slice=_with(key, lower=ast.Constant(1)))
            else:
                for step in (1, -1):
                    yield _with(node, slice=_with(key, lower=_plus(key.lower, step)))
            if key.upper is None:
                yield _with(node, slice=_with(key, upper=ast.Constant(-1)))
            else:
                for step in (1, -1):
                    yield _with(node, slice=_with(key, upper=_plus(key.upper, step)))
    elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
          and node.func.id == "range" and 1 <= len(node.args) <= 2):
        for position in range(len(node.args)):
            for step in (1, -1):
                args = list(node.args)
                args[position] = _plus(args[position], step)
                yield _with(node, args=args)


def statement(node: ast.AST) -> Iterator[Replacement]:
    """Drop a statement (an assignment, a call, a ``return``, a whole ``if`` or loop...)."""
    if isinstance(node, ast.stmt) and not isinstance(node, ast.FunctionDef | ast.Pass):
        yield DROP


def axis(node: ast.AST) -> Iterator[Replacement]:
    """Remove an ``axis=`` argument, or move it to another axis (0 to 1, others to 0)."""
    if not isinstance(node, ast.Call):
        return
    for position, keyword in enumerate(node.keywords):
        if keyword.arg != "axis":
            continue
        yield _with(node, keywords=node.keywords[:position] + node.keywords[position + 1:])
        value = keyword.value
        others = [1] if isinstance(value, ast.Constant) and value.value == 0 else [0]
        for other in others:
            keywords = list(node.keywords)
            keywords[position] = ast.keyword(arg="axis", value=ast.Constant(other))
            yield _with(node, keywords=keywords)


def twin(node: ast.AST) -> Iterator[Replacement]:
    """Call a NumPy function's twin: ``sum`` and ``mean``, ``maximum`` and ``minimum``..."""
    if not isinstance(node, ast.Call):
        return
    function = node.func
    if isinstance(function, ast.Attribute) and function.attr in _TWINS:
        yield _with(node, func=_with(function, attr=_TWINS[function.attr]))
    elif isinstance(function, ast.Name) and function.id in ("max", "min"):
        yield _with(node, func=_with(function, id=_TWINS[function.id]))


def swap(node: ast.AST) -> Iterator[Replacement]:
    """Swap two neighbouring returned values, or the two branches of ``np.where``."""
    if isinstance(node, ast.Return) and isinstance(node.value, ast.Tuple):
        elements = node.value.elts
        for position in range(len(elements) - 1):
            swapped = list(elements)
            swapped[position], swapped[position + 1] = swapped[position + 1], swapped[position]
            yield _with(node, value=_with(node.value, elts=swapped))
    elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
          and node.func.attr == "where" and len(node.args) == 3):
        condition, if_true, if_false = node.args
        yield _with(node, args=[condition, if_false, if_true])


#: The operators, by name, in the order they are tried on each node.
OPERATORS: dict[str, Operator] = {
    "arithmetic": arithmetic,
    "comparison": comparison,
    "boolean": boolean,
    "constant": constant,
    "index": index,
    "statement": statement,
    "axis": axis,
    "twin": twin,
    "swap": swap,
}


# ------------------------------------------------------------------------------ walking


def _is_docstring(node: ast.AST) -> bool:
    return (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str))


def _walk(node: ast.AST, path: Path = (), statement_path: Path = ()
          ) -> Iterator[tuple[Path, Path, ast.AST]]:
    """Yield ``(path, path of the enclosing statement, node)`` in source order."""
    if isinstance(node, ast.stmt):
        statement_path = path
    yield path, statement_path, node
    for name, value in ast.iter_fields(node):
        if name in ("decorator_list", "returns", "type_comment", "annotation"):
            continue
        if isinstance(value, list):
            for position, item in enumerate(value):
                if isinstance(item, ast.AST) and not _is_docstring(item):
                    yield from _walk(item, (*path, (name, position)), statement_path)
        elif isinstance(value, ast.AST):
            yield from _walk(value, (*path, (name, None)), statement_path)


def _get(node: ast.AST, path: Path) -> ast.AST:
    for name, position in path:
        node = getattr(node, name) if position is None else getattr(node, name)[position]
    return node


def _replace(root: ast.AST, path: Path, replacement: Replacement) -> None:
    """Replace the node at ``path`` under ``root`` (remove it when ``replacement`` is DROP)."""
    parent = _get(root, path[:-1])
    name, position = path[-1]
    if position is None:
        setattr(parent, name, replacement)
        return
    items = getattr(parent, name)
    if isinstance(replacement, _Drop):
        del items[position]
        if not items:
            items.append(ast.Pass())
    else:
        items[position] = replacement


def _one_line(statement: ast.AST) -> str:
    """A statement as one line of source; a compound statement by its first line."""
    if isinstance(statement, ast.FunctionDef):
        statement = _with(statement, body=[ast.Pass()], decorator_list=[])
    elif hasattr(statement, "body"):
        statement = _with(statement, body=[ast.Pass()], orelse=[])
    return ast.unparse(ast.fix_missing_locations(statement)).splitlines()[0]


def function_mutants(function: ast.FunctionDef, operators: dict[str, Operator] | None = None
                     ) -> list[Mutant]:
    """Return every mutant of ``function``, in a fixed order, without duplicates.

    Parameters
    ----------
    function : ast.FunctionDef
        The graded function, as parsed from its cell (line numbers are the cell's). It is not
        modified. The docstring, decorators and annotations are left alone.
    operators : dict, optional
        The operators to use, by name (default :data:`OPERATORS`).

    Returns
    -------
    list of Mutant
        One per distinct mutated function; a change that gives back the original code, or code
        already produced by an earlier change, is skipped.

    Examples
    --------
    >>> import ast
    >>> tree = ast.parse("def f(x):\\n    return x[1:]\\n")
    >>> [m.describe() for m in function_mutants(tree.body[0], {"index": index})]
    ['line 2: `return x[1:]` -> `return x[2:]`', 'line 2: `return x[1:]` -> `return x[0:]`', \
'line 2: `return x[1:]` -> `return x[1:-1]`']
    """
    operators = OPERATORS if operators is None else operators
    seen = {ast.unparse(function)}
    mutants = []
    for path, statement_path, node in _walk(function):
        if not path:
            continue  # the function itself
        before = _one_line(_get(function, statement_path))
        line = getattr(_get(function, statement_path), "lineno", function.lineno)
        for name, operator in operators.items():
            for replacement in operator(node):
                mutated = copy.deepcopy(function)
                _replace(mutated, path, replacement)
                ast.fix_missing_locations(mutated)
                source = ast.unparse(mutated)
                if source in seen:
                    continue
                seen.add(source)
                dropped = isinstance(replacement, _Drop) and path == statement_path
                after = "" if dropped else _one_line(_get(mutated, statement_path))
                mutants.append(Mutant(function.name, name, line, before, after, source, mutated))
    return mutants


def graded_functions(module: ast.Module) -> list[ast.FunctionDef]:
    """Return the functions a solution cell defines at its top level, in order."""
    return [node for node in module.body if isinstance(node, ast.FunctionDef)]


def sample_mutants(mutants: list[Mutant], limit: int) -> list[Mutant]:
    """Return at most ``limit`` mutants, evenly spread over the list (always the same ones)."""
    if len(mutants) <= limit:
        return mutants
    return [mutants[position * len(mutants) // limit] for position in range(limit)]
