"""The named splits of the synthetic plankton images: what each is for, and its seed.

Every split has its own seed, so no two splits share an image. The lessons and exercises
fit on ``train``, tune on ``validation`` and report on ``test``; the shipped feature extractor
was trained on ``extractor-train`` and scored on ``extractor-test``, which nothing else uses:
to the lessons its features are "learned elsewhere", as EcoTaxa's are.
"""

from __future__ import annotations

from dataclasses import dataclass

from dlcourse.data.plankton.generator import DEFAULT_SIZE, PlanktonSet, make_plankton


@dataclass(frozen=True)
class Split:
    """A named, seeded set of generated images.

    Attributes
    ----------
    name : str
    n : int
        Its number of images.
    seed : int
        The seed passed to :func:`make_plankton`.
    balanced : bool
        Whether every class has as many images (else the EcoTaxa-like imbalance).
    purpose : str
        What the split is for.
    """

    name: str
    n: int
    seed: int
    balanced: bool
    purpose: str


SPLITS: dict[str, Split] = {
    split.name: split
    for split in (
        Split("train", 3000, 1, False, "fitting the lessons' and exercises' models"),
        Split("validation", 1000, 2, False,
              "choosing settings (learning rate, epochs, PCA size, SMOTE's k)"),
        Split("test", 1000, 3, False, "the final score, computed once, never tuned on"),
        Split("extractor-train", 8000, 101, True,
              "training the shipped feature extractor, and nothing else"),
        Split("extractor-test", 2000, 102, True,
              "the shipped extractor's own held-out accuracy"),
    )
}


def load_split(name: str, n: int | None = None, size: int = DEFAULT_SIZE) -> PlanktonSet:
    """Generate one of the named splits (see :data:`SPLITS`).

    Parameters
    ----------
    name : str
        ``"train"``, ``"validation"``, ``"test"``, ``"extractor-train"`` or
        ``"extractor-test"``.
    n : int, optional
        Number of images; the split's own size when omitted. Another ``n`` gives other images
        drawn with the split's seed (class counts change with ``n``), still never shared
        with another split.
    size : int
        Side of the images in pixels.

    Returns
    -------
    PlanktonSet

    Examples
    --------
    >>> test = load_split("test", n=80, size=32)
    >>> len(test), int(test.counts()["detritus"])
    (80, 32)
    """
    if name not in SPLITS:
        raise ValueError(f"unknown split {name!r}; the splits are {sorted(SPLITS)}")
    split = SPLITS[name]
    return make_plankton(n=split.n if n is None else n, size=size, seed=split.seed,
                         balanced=split.balanced)
