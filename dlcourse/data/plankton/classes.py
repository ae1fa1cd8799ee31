"""The eight classes of the synthetic plankton images: names, frequencies and how each looks."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PlanktonClass:
    """One class of the generator.

    Attributes
    ----------
    name : str
        The class name, as in ``PlanktonSet.class_names``.
    frequency : float
        Its share of an imbalanced set (the shares add up to 1).
    description : str
        What the class stands for and how it is drawn.
    scale : (float, float)
        Range of the random size factor (1 = the reference size of the drawing).
    texture : (float, float)
        Range of the strength of the blotchy texture laid over the organism (0 = none).
    """

    name: str
    frequency: float
    description: str
    scale: tuple[float, float] = (0.8, 1.2)
    texture: tuple[float, float] = (0.05, 0.25)


CLASSES: tuple[PlanktonClass, ...] = (
    PlanktonClass(
        "detritus", 0.40,
        "Marine snow and debris: a lumpy blob (a disc whose radius varies with 2 to 5 random "
        "harmonics of the angle), sometimes with a second lump, dim, blotchy and fuzzy-edged; "
        "sizes vary five-fold.",
        scale=(0.85, 1.15), texture=(0.25, 0.6),
    ),
    PlanktonClass(
        "copepod", 0.23,
        "A crustacean seen from above: an oval prosome, a thin urosome, and two long thin "
        "antennae spread sideways or swept back.",
    ),
    PlanktonClass(
        "diatom_chain", 0.12,
        "A chain of 3 to 8 box-like cells with bright rims, straight or gently curved, some "
        "with long spines (setae) at both ends.",
    ),
    PlanktonClass(
        "fecal_pellet", 0.10,
        "A dense, smooth, sharp-edged rod with rounded ends (a capsule), straight or slightly "
        "bent.",
    ),
    PlanktonClass(
        "appendicularian", 0.07,
        "A small bright oval trunk with a brighter spot, and a long, thin, wavy, tapering tail.",
    ),
    PlanktonClass(
        "chaetognath", 0.04,
        "An arrow worm: a long, slender, faint body with a brighter gut, a round head with "
        "grasping spines, lateral fins and a tail fin.",
        scale=(0.85, 1.1),
    ),
    PlanktonClass(
        "radiolarian", 0.025,
        "A rare class: a bright round central capsule with 8 to 18 thin radial spines and, "
        "often, a faint outer shell.",
        scale=(0.85, 1.15),
    ),
    PlanktonClass(
        "copepod_with_eggs", 0.015,
        "The rare fine-grained class: a copepod drawn exactly as the copepods are, carrying one "
        "egg sac under its urosome or two beside it (grainy ovals of small eggs).",
    ),
)

#: Class names, commonest first; a label ``k`` means ``CLASS_NAMES[k]``.
CLASS_NAMES: tuple[str, ...] = tuple(c.name for c in CLASSES)
#: Share of each class in an imbalanced set (EcoTaxa-like: the commonest about 40 %).
CLASS_FREQUENCIES: dict[str, float] = {c.name: c.frequency for c in CLASSES}
#: The classes under 3 %, on which the lessons focus.
RARE_CLASSES: tuple[str, ...] = tuple(c.name for c in CLASSES if c.frequency < 0.03)
