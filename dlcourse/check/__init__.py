"""What exercise tests call, and the self-check a student runs.

Test cells of every exercise call the helpers of :mod:`dlcourse.check.asserts`, so that the
checks are written (and hardened) in one place. ``python -m dlcourse.check NOTEBOOK`` runs a
notebook headless and reports each exercise.
"""

from dlcourse.check.asserts import (
    check_array,
    check_callable,
    check_gradient,
    check_keys,
    check_no_float_error,
    check_scalar,
    check_shape,
)

__all__ = [
    "check_array",
    "check_callable",
    "check_gradient",
    "check_keys",
    "check_no_float_error",
    "check_scalar",
    "check_shape",
]
