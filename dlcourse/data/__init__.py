"""Data for the course: toy 2-D sets, bundled real sets, and the seed material's worked examples."""

from dlcourse.data.penguins import load_penguins, penguin_pair
from dlcourse.data.seed_examples import SEED_SEPARATION, SeparationExample
from dlcourse.data.toy import make_xor

__all__ = [
    "SEED_SEPARATION",
    "SeparationExample",
    "load_penguins",
    "make_xor",
    "penguin_pair",
]
