"""An explorer of the activation zoo: f and its derivative f' side by side."""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np
from IPython.display import display

from dlcourse.nn import ACTIVATIONS, get_activation
from dlcourse.nn.saturation import (
    SATURATION_THRESHOLD,
    describe_intervals,
    saturated_intervals,
)
from dlcourse.viz import PALETTE
from dlcourse.widgets._render import FigureView

#: How each activation is named on screen.
DISPLAY_NAMES = {"relu": "ReLU", "leaky_relu": "leaky ReLU", "elu": "ELU"}

#: Slider settings per parameter: (description, min, max, step).
PARAMETER_RANGES = {
    "slope": ("slope", 0.0, 0.5, 0.01),
    "alpha": ("α", 0.1, 3.0, 0.05),
    "a1": ("a₁", -2.0, 2.0, 0.05),
    "a2": ("a₂", -2.0, 2.0, 0.05),
}

#: What ``Activation.saturates`` means, in words.
SATURATION_WORDS = {
    "both sides": "saturates on both sides: f′(z) → 0 as z → −∞ and as z → +∞",
    "left": "saturates on the left: f′(z) → 0 as z → −∞",
    "never": "never saturates: f′(z) stays away from 0",
}


def display_name(name: str) -> str:
    """Return how the activation ``name`` is written on screen (``"relu"`` -> ``"ReLU"``)."""
    return DISPLAY_NAMES.get(name, name)


def _slider_defaults(name: str) -> dict[str, float]:
    """The slider parameters of activation ``name`` with their default values."""
    activation = get_activation(name)
    if name == "maxout":  # one input, two pieces: the sliders are the slopes a1 and a2
        a1, a2 = activation.params["slopes"]
        return {"a1": float(a1), "a2": float(a2)}
    return {key: float(value) for key, value in activation.params.items()}


def _keyword_arguments(name: str, values: dict[str, float]) -> dict:
    """Turn slider values into the keyword arguments of the library function."""
    if name == "maxout":
        return {"slopes": (values["a1"], values["a2"])}
    return dict(values)


def _make_slider(key: str, value: float) -> widgets.FloatSlider:
    fallback = (key, 0.0, 2.0 * abs(value) or 1.0, 0.01)  # a parameter added to the library later
    description, low, high, step = PARAMETER_RANGES.get(key, fallback)
    return widgets.FloatSlider(
        value=value, min=min(low, value), max=max(high, value), step=step,
        description=description, continuous_update=True, readout_format=".2f",
    )


class ActivationExplorer:
    """Pick an activation, move its parameter, and see f and f′ on z in [-6, 6].

    The functions drawn are those of :data:`dlcourse.nn.ACTIVATIONS`. End a cell with the
    explorer to show it.

    Parameters
    ----------
    activation : str
        The activation shown first, a name from :data:`dlcourse.nn.ACTIVATIONS`.
    z_range : (float, float)
        The interval of z drawn.
    n_points : int
        Grid points on that interval.

    Attributes
    ----------
    function_picker : ipywidgets.Dropdown
        Its value is the name of the activation shown.
    parameter_sliders : dict of str to list of ipywidgets.FloatSlider
        The sliders of each activation (empty list for those without a parameter).
    note : ipywidgets.HTML
        Where the activation saturates.
    figure : matplotlib.figure.Figure
        Two panels, f (left) and f′ (right), redrawn on every change.
    widget : ipywidgets.VBox
        The whole explorer.

    Examples
    --------
    >>> explorer = ActivationExplorer("leaky_relu")
    >>> explorer.parameter_slider.value = 0.2
    >>> z, f, fprime = explorer.curves()
    >>> round(float(f[0]), 3), float(fprime[0])
    (-1.2, 0.2)
    """

    def __init__(self, activation: str = "sigmoid", z_range: tuple[float, float] = (-6.0, 6.0),
                 n_points: int = 601):
        get_activation(activation)  # raises a ValueError listing the names
        if not z_range[0] < z_range[1]:
            raise ValueError(f"z_range must be (low, high) with low < high, got {z_range!r}")
        if int(n_points) != n_points or n_points < 2:
            raise ValueError(f"n_points must be an integer >= 2, got {n_points!r}")
        self.z = np.linspace(float(z_range[0]), float(z_range[1]), int(n_points))
        self.function_picker = widgets.Dropdown(
            options=[(display_name(name), name) for name in ACTIVATIONS],
            value=activation, description="activation",
        )
        self.parameter_sliders: dict[str, list[widgets.FloatSlider]] = {
            name: [_make_slider(key, value) for key, value in _slider_defaults(name).items()]
            for name in ACTIVATIONS
        }
        self.note = widgets.HTML()
        self._view = FigureView(ncols=2)
        self.figure = self._view.figure
        self._slider_box = widgets.HBox()
        self.widget = widgets.VBox([
            widgets.HBox([self.function_picker, self._slider_box]), self.note, self._view.output,
        ])
        self.function_picker.observe(self._on_pick, names="value")
        for sliders in self.parameter_sliders.values():
            for slider in sliders:
                slider.observe(self._redraw, names="value")
        self._on_pick()

    @property
    def activation(self) -> str:
        """The name of the activation shown."""
        return self.function_picker.value

    @property
    def parameter_slider(self) -> widgets.FloatSlider | None:
        """The (first) slider of the activation shown, or None when it has no parameter."""
        sliders = self.parameter_sliders[self.activation]
        return sliders[0] if sliders else None

    @property
    def parameters(self) -> dict:
        """The keyword arguments passed to the activation and its derivative now."""
        sliders = self.parameter_sliders[self.activation]
        keys = _slider_defaults(self.activation)
        values = {key: slider.value for key, slider in zip(keys, sliders, strict=True)}
        return _keyword_arguments(self.activation, values)

    @property
    def draw_count(self) -> int:
        """How many times the figure has been drawn."""
        return self._view.draw_count

    def curves(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Return ``(z, f(z), f'(z))`` for the activation and parameters shown."""
        activation = get_activation(self.activation)
        parameters = self.parameters
        return (self.z.copy(), activation.function(self.z, **parameters),
                activation.derivative(self.z, **parameters))

    def saturation_note(self) -> str:
        """Return the sentence on where the activation shown saturates."""
        z, _, fprime = self.curves()
        where = describe_intervals(saturated_intervals(z, fprime), z[0], z[-1])
        words = SATURATION_WORDS.get(get_activation(self.activation).saturates,
                                     f"saturates: {get_activation(self.activation).saturates}")
        return (f"{display_name(self.activation)} {words}. "
                f"Where |f′(z)| < {SATURATION_THRESHOLD} on this plot: {where}.")

    def _on_pick(self, change: dict | None = None) -> None:
        self._slider_box.children = tuple(self.parameter_sliders[self.activation])
        self._redraw()

    def _redraw(self, change: dict | None = None) -> None:
        z, f, fprime = self.curves()
        name = display_name(self.activation)
        ax_f, ax_d = self._view.clear()
        intervals = saturated_intervals(z, fprime)
        for ax in (ax_f, ax_d):
            ax.axhline(0.0, color="grey", linewidth=0.8)
            ax.axvline(0.0, color="grey", linewidth=0.8)
            for i, (low, high) in enumerate(intervals):
                ax.axvspan(low, high, color="grey", alpha=0.15,
                           label=f"|f′(z)| < {SATURATION_THRESHOLD}" if i == 0 else None)
            ax.set_xlabel("z = w·x + b (pre-activation, no unit)")
        ax_f.plot(z, f, color=PALETTE[0], linewidth=2, label="f(z)")
        ax_d.plot(z, fprime, color=PALETTE[1], linewidth=2, label="f′(z)")
        ax_f.set(title=f"{name}: f(z)", ylabel="f(z)")
        ax_d.set(title=f"{name}: derivative f′(z)", ylabel="f′(z)")
        ax_f.legend(loc="upper left")
        ax_d.legend(loc="upper left")
        self.note.value = self.saturation_note()
        self._view.show()

    def _ipython_display_(self) -> None:
        display(self.widget)
