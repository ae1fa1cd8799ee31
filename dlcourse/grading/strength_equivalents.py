"""The allow-list of equivalent mutants: changes to a solution that cannot change any output.

No test can catch such a mutant, so the strength check leaves it out of the share caught, and
shows it with its reason. An open task whose tests check a property rather than a value
(Exercise 3 of unit 03: *any* settings that solve the spiral) has a second kind: a mutant that
is still a right answer by the task's rules; it is listed here too, and says so.

Keep the list small. Each entry names the unit, the function and the change, with ``before``
and ``after`` the whole statement as the report's ``--json`` output gives them (``after`` empty
for a dropped statement), and says why no test can catch it. An entry that matches no surviving
mutant is reported as stale (the solution changed, or the tests now catch it): fix or remove it.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["EQUIVALENT_MUTANTS", "EquivalentMutant", "equivalents_for"]


@dataclass(frozen=True)
class EquivalentMutant:
    """A mutant that cannot change any output, and why."""

    unit: str
    function: str
    before: str
    after: str
    reason: str

    def describe(self) -> str:
        """The entry on one line, as the report shows a change."""
        change = f"dropped `{self.before}`" if not self.after else (
            f"`{self.before}` -> `{self.after}`")
        return f"{self.unit} {self.function}: {change}"


_UNIT_01 = "01-perceptron"
_UNIT_03 = "03-multilayer"
_ELU = "return np.where(z >= 0, z, alpha * np.expm1(np.minimum(z, 0.0)))"
_PERCEPTRON_W = "w = w + learning_rate * y_i * x_i"
_PERCEPTRON_B = "b = b + learning_rate * y_i"
_SPIRAL = ("return {'features': ('x1', 'x2', 'sin(x1)', 'sin(x2)'), 'hidden': (8, 4), "
           "'activation': 'tanh', 'learning_rate': 0.03, 'batch_size': %d}")

#: The allow-list: each entry with the reason no test can catch it.
EQUIVALENT_MUTANTS: tuple[EquivalentMutant, ...] = (
    EquivalentMutant(
        _UNIT_01, "sigmoid", "positive = z >= 0", "positive = z > 0",
        "at z = 0 both formulas give exactly 0.5"),
    EquivalentMutant(
        _UNIT_01, "sigmoid", "positive = z >= 0", "positive = z >= 1",
        "for 0 <= z < 1 the equal form exp(z) / (1 + exp(z)) is used instead: the same value "
        "up to rounding, and exp(z) stays finite"),
    EquivalentMutant(
        _UNIT_01, "leaky_relu", "return np.where(z > 0, z, slope * z)",
        "return np.where(z >= 0, z, slope * z)", "at z = 0 both branches give 0"),
    EquivalentMutant(
        _UNIT_01, "elu", _ELU, _ELU.replace("z >= 0", "z > 0"),
        "at z = 0 both branches give 0 (alpha * expm1(0) = 0)"),
    EquivalentMutant(
        _UNIT_01, "elu", _ELU, _ELU.replace("0.0)", "1.0)"),
        "the clipped z only feeds the branch that np.where discards for z >= 0; "
        "exp stays finite below 1"),
    EquivalentMutant(
        _UNIT_01, "train_perceptron", "w = np.zeros(X.shape[1])", "w = np.zeros(X.shape[-1])",
        "X is 2-D (n_samples, n_features): its last axis is axis 1"),
    EquivalentMutant(
        _UNIT_01, "train_perceptron", _PERCEPTRON_W, "w = w + learning_rate / y_i * x_i",
        "labels are -1 or +1: dividing by y_i is multiplying by it"),
    EquivalentMutant(
        _UNIT_01, "train_perceptron", _PERCEPTRON_B, "b = b + learning_rate / y_i",
        "labels are -1 or +1: dividing by y_i is multiplying by it"),
    EquivalentMutant(
        _UNIT_03, "backward", "y = np.asarray(y, dtype=float)", "",
        "y only enters p - y, where NumPy converts a list, integers or booleans to floats "
        "anyway"),
    EquivalentMutant(
        _UNIT_03, "spiral_settings", _SPIRAL % 10, _SPIRAL % 11,
        "another right answer, not a bug: the task accepts any settings that solve the spiral "
        "within its rules, and the playground's batch size may be any number from 1 to 30"),
)


def equivalents_for(unit: str) -> dict[tuple[str, str, str], EquivalentMutant]:
    """Return the allow-list entries of ``unit``, by ``(function, before, after)``."""
    return {(entry.function, entry.before, entry.after): entry
            for entry in EQUIVALENT_MUTANTS if entry.unit == unit}
