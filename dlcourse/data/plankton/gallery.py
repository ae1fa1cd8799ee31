"""A gallery of plankton images, a few per class."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from dlcourse.data.plankton.generator import PlanktonSet
from dlcourse.viz import class_color


def plot_gallery(data: PlanktonSet, per_class: int = 6, title: str | None = None) -> Figure:
    """Show ``per_class`` images of every class, one row per class, in the course colours.

    Parameters
    ----------
    data : PlanktonSet
        The images (generated or loaded from EcoTaxa).
    per_class : int
        Images per row (the first ones of each class); a class with fewer shows fewer.
    title : str, optional
        The figure's title; by default it says how many images the set holds.

    Returns
    -------
    matplotlib.figure.Figure
    """
    if int(per_class) != per_class or per_class < 1:
        raise ValueError(f"per_class must be an integer >= 1, got {per_class!r}")
    n_classes = len(data.class_names)
    fig, axes = plt.subplots(n_classes, per_class, figsize=(1.2 * per_class + 1.6,
                                                            1.25 * n_classes), squeeze=False)
    height, width = data.images.shape[1:]
    for k, name in enumerate(data.class_names):
        index = np.flatnonzero(data.labels == k)[:per_class]
        for j, ax in enumerate(axes[k]):
            ax.set_xticks([])
            ax.set_yticks([])
            for spine in ax.spines.values():
                spine.set_color(class_color(k))
                spine.set_linewidth(2)
            if j < len(index):
                ax.imshow(data.images[index[j]], cmap="gray", vmin=0.0, vmax=1.0)
            else:
                ax.set_visible(False)
        axes[k, 0].set_ylabel(name.replace("_", " "), rotation=0, ha="right", va="center",
                              color=class_color(k), fontsize=9)
    fig.suptitle(title or f"{len(data)} images of {height} x {width} pixels, "
                 f"{per_class} per class (rows)")
    fig.tight_layout()
    return fig
