"""A matplotlib figure shown inside an ``ipywidgets.Output``, redrawn on demand.

The figure is a plain :class:`matplotlib.figure.Figure` (not made by pyplot), so it never
leaks into the notebook's own outputs and works with any backend, including ``Agg`` in tests.
"""

from __future__ import annotations

import io

import ipywidgets as widgets
from IPython import get_ipython
from IPython.display import Image, display
from matplotlib.axes import Axes
from matplotlib.figure import Figure


class FigureView:
    """A figure with ``ncols`` panels side by side, and the output widget that shows it.

    Parameters
    ----------
    ncols : int
        Number of panels.
    width, height : float
        Size of one panel, in inches.
    dpi : int
        Resolution of the image shown in the notebook.

    Attributes
    ----------
    figure : matplotlib.figure.Figure
    axes : list of matplotlib.axes.Axes
    output : ipywidgets.Output
        Where the rendered image appears.
    png : bytes
        The last rendered image (empty before the first rendering).
    draw_count : int
        How many times the figure has been drawn and shown.
    """

    def __init__(self, ncols: int = 1, width: float = 4.5, height: float = 3.6, dpi: int = 96):
        self.figure = Figure(figsize=(width * ncols, height), layout="constrained")
        axes = self.figure.subplots(1, ncols, squeeze=False)
        self.axes: list[Axes] = list(axes[0])
        self.output = widgets.Output()
        self.dpi = dpi
        self.png = b""
        self.draw_count = 0

    def clear(self) -> list[Axes]:
        """Clear every panel and return them, ready to be drawn again."""
        for ax in self.axes:
            ax.clear()
        return self.axes

    def render_png(self) -> bytes:
        """Render the figure to PNG, keep the bytes in :attr:`png` and return them."""
        buffer = io.BytesIO()
        self.figure.savefig(buffer, format="png", dpi=self.dpi)
        self.png = buffer.getvalue()
        return self.png

    def show(self) -> None:
        """Show the figure as drawn now in the output widget, replacing what it showed.

        Outside IPython (tests, scripts) there is nothing to display into, so the figure is
        not rendered; call :meth:`render_png` to get the image.
        """
        self.draw_count += 1
        if get_ipython() is None:
            return
        png = self.render_png()
        self.output.clear_output(wait=True)
        with self.output:
            display(Image(data=png, format="png"))
