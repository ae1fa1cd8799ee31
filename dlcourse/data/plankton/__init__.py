"""Plankton-like images for the GPU labs (units 07 and 08), and the EcoTaxa pipeline's pieces.

``classes``      the eight classes: names, frequencies, how each looks
``generator``    :func:`make_plankton`, the seeded image generator, and :class:`PlanktonSet`
``splits``       the named splits (train, validation, test, the extractor's own) and their seeds
``gallery``      :func:`plot_gallery`, a few images of every class
``descriptors``  :func:`native_descriptors`, ZooProcess-like shape and grey-level measurements
``ecotaxa``      :func:`load_ecotaxa`, real EcoTaxa exports (zip or folder of TSV and images)
``extractor``    :func:`load_extractor`, the shipped CNN, and :func:`extract_features`
                 (imported on first use: they need PyTorch)

The data sheet is ``datasets/plankton/README.md``.

Examples
--------
>>> from dlcourse.data.plankton import make_plankton
>>> data = make_plankton(n=50, size=32, seed=0)
>>> data.images.shape, len(data.class_names)
((50, 32, 32), 8)
"""

from dlcourse.data.plankton.classes import (
    CLASS_FREQUENCIES,
    CLASS_NAMES,
    CLASSES,
    RARE_CLASSES,
    PlanktonClass,
)
from dlcourse.data.plankton.descriptors import (
    DESCRIPTOR_COLUMNS,
    auto_threshold,
    native_descriptors,
    object_mask,
)
from dlcourse.data.plankton.ecotaxa import (
    EcoTaxaError,
    export_descriptors,
    load_ecotaxa,
    read_ecotaxa_table,
)
from dlcourse.data.plankton.gallery import plot_gallery
from dlcourse.data.plankton.generator import PlanktonSet, class_counts, make_plankton
from dlcourse.data.plankton.splits import SPLITS, Split, load_split

_NEED_TORCH = ("ExtractorError", "extract_features", "extractor_info", "load_extractor")

__all__ = [
    "CLASSES",
    "CLASS_FREQUENCIES",
    "CLASS_NAMES",
    "DESCRIPTOR_COLUMNS",
    "EcoTaxaError",
    "ExtractorError",
    "RARE_CLASSES",
    "SPLITS",
    "PlanktonClass",
    "PlanktonSet",
    "Split",
    "auto_threshold",
    "class_counts",
    "export_descriptors",
    "extract_features",
    "extractor_info",
    "load_ecotaxa",
    "load_extractor",
    "load_split",
    "make_plankton",
    "native_descriptors",
    "object_mask",
    "plot_gallery",
    "read_ecotaxa_table",
]


def __getattr__(name: str):
    """Import the extractor's functions on first use (PyTorch takes seconds to import)."""
    if name in _NEED_TORCH:
        from dlcourse.data.plankton import extractor

        return getattr(extractor, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
