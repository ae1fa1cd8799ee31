"""How each class of organism is drawn, a whole batch at a time.

Each ``draw_*`` function takes the random generator and a :class:`Frame` (the images' local
coordinates, in which the organism lies along the u axis, centred, at its reference size)
and returns the organism's brightness, an array of shape ``(m, H, W)`` in [0, 1]. Lengths are
in canvas units: the image spans [-1, 1] on each axis before scaling.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from dlcourse.data.plankton.shapes import (
    capsule_distance,
    choose,
    column,
    disc_distance,
    ellipse_distance,
    polar_angle,
    soft_edge,
)


@dataclass
class Frame:
    """Local coordinates of a batch of ``m`` images.

    Attributes
    ----------
    u, v : ndarray of shape (m, H, W)
        Coordinates of every pixel centre in the organism's frame (u along its body).
    edge : ndarray of shape (m, 1, 1)
        Width of the blurred edges in the same units.
    """

    u: np.ndarray
    v: np.ndarray
    edge: np.ndarray

    @property
    def m(self) -> int:
        """Number of images in the batch."""
        return self.u.shape[0]


def _copepod_body(rng: np.random.Generator, f: Frame) -> tuple[np.ndarray, dict]:
    """Prosome, urosome and antennae; returns the drawing and the points egg sacs hang from."""
    m, u, v, edge = f.m, f.u, f.v, f.edge
    length = column(rng, 0.24, 0.32, m)  # half-length of the prosome
    width = length * column(rng, 0.36, 0.48, m)
    centre = np.float32(0.12)
    brightness = column(rng, 0.6, 0.9, m)
    along = np.clip((u - centre) / length, -1.0, 1.0)
    prosome = soft_edge(ellipse_distance(u, v, centre, 0.0, length, width), edge)
    body = prosome * brightness * (0.8 + 0.2 * (1.0 - along * along))

    uro_start = centre - 0.85 * length
    uro_length = column(rng, 0.18, 0.26, m)
    uro_radius = width * column(rng, 0.22, 0.3, m)
    uro_end = uro_start - uro_length
    urosome = soft_edge(capsule_distance(u, v, uro_start, 0.0, uro_end, 0.0, uro_radius), edge)
    body = np.maximum(body, 0.85 * brightness * urosome)

    antenna_length = column(rng, 0.3, 0.45, m)
    sweep = rng.uniform(np.radians(75.0), np.radians(140.0), m).astype(np.float32)
    cos_sweep = np.cos(sweep).reshape(m, 1, 1)
    sin_sweep = np.sin(sweep).reshape(m, 1, 1)
    base_u = centre + 0.75 * length
    base_v = 0.55 * width
    antenna_brightness = 0.75 * brightness
    for side in (-1.0, 1.0):
        antenna = capsule_distance(
            u, v, base_u, side * base_v,
            base_u + antenna_length * cos_sweep, side * (base_v + antenna_length * sin_sweep),
            0.014,
        )
        body = np.maximum(body, antenna_brightness * soft_edge(antenna, edge))
    anchors = {"uro_start": uro_start, "uro_end": uro_end, "uro_radius": uro_radius,
               "brightness": brightness, "width": width}
    return body, anchors


def draw_copepod(rng: np.random.Generator, f: Frame) -> np.ndarray:
    """A copepod: oval prosome, thin urosome, two long antennae."""
    body, _ = _copepod_body(rng, f)
    return body


def draw_copepod_with_eggs(rng: np.random.Generator, f: Frame) -> np.ndarray:
    """A copepod drawn as :func:`draw_copepod`, with one or two grainy egg sacs."""
    body, anchors = _copepod_body(rng, f)
    m, u, v, edge = f.m, f.u, f.v, f.edge
    sac_length = column(rng, 0.08, 0.12, m)
    sac_width = sac_length * column(rng, 0.45, 0.65, m)
    sac_u = anchors["uro_start"] - 0.55 * (anchors["uro_start"] - anchors["uro_end"])
    paired = rng.random(m) < 0.6
    offset = choose(paired, anchors["uro_radius"] + 0.8 * sac_width, np.float32(0.0))
    egg = column(rng, 0.045, 0.06, m)  # egg diameter
    du = u - sac_u
    eggs_u = du - egg * np.round(du / egg)
    brightness = 0.9 * anchors["brightness"]
    for side in (-1.0, 1.0):
        dv = v - side * offset
        eggs_v = dv - egg * np.round(dv / egg)
        grain = 0.55 + 0.45 * soft_edge(np.sqrt(eggs_u**2 + eggs_v**2) - 0.42 * egg, edge)
        sac = soft_edge(ellipse_distance(u, v, sac_u, side * offset, sac_length, sac_width), edge)
        body = np.maximum(body, brightness * sac * grain)
    return body


def draw_diatom_chain(rng: np.random.Generator, f: Frame) -> np.ndarray:
    """A chain of box-like cells with bright rims; half of the chains carry end setae."""
    m, u, v, edge = f.m, f.u, f.v, f.edge
    n_cells = rng.integers(3, 9, m).astype(np.float32).reshape(m, 1, 1)
    spacing = column(rng, 0.1, 0.145, m)
    half_width = column(rng, 0.06, 0.11, m)
    curvature = column(rng, -0.6, 0.6, m)
    brightness = column(rng, 0.5, 0.8, m)
    vc = v - curvature * u * u
    # The nearest cell to each pixel (cells never overlap, so it is the only one that counts).
    index = np.clip(np.round(u / spacing + (n_cells - 1) / 2), 0, n_cells - 1)
    cell_u = (index - (n_cells - 1) / 2) * spacing
    distance = ellipse_distance(u, vc, cell_u, 0.0, 0.46 * spacing, half_width)
    cover = soft_edge(distance, edge)
    rim = cover - 0.45 * soft_edge(distance + 0.035, edge)
    chain = brightness * rim

    with_setae = rng.random(m) < 0.5
    seta_length = choose(with_setae, column(rng, 0.2, 0.35, m), np.float32(0.0))
    tilt = column(rng, 0.3, 0.9, m)  # setae slope away from the chain
    end_u = (n_cells - 1) / 2 * spacing
    for end in (-1.0, 1.0):
        for side in (-1.0, 1.0):
            base_u = end * end_u
            seta = capsule_distance(
                u, vc, base_u, side * half_width,
                base_u + end * tilt * seta_length, side * (half_width + seta_length), 0.01,
            )
            chain = np.maximum(chain, 0.6 * brightness * soft_edge(seta, edge))
    return chain


def draw_fecal_pellet(rng: np.random.Generator, f: Frame) -> np.ndarray:
    """A dense, smooth rod with rounded ends, straight or slightly bent, with sharp edges."""
    m, u, v, edge = f.m, f.u, f.v, f.edge
    half_length = column(rng, 0.15, 0.4, m)
    radius = column(rng, 0.06, 0.11, m)
    curvature = column(rng, -0.5, 0.5, m)
    brightness = column(rng, 0.7, 0.95, m)
    vc = v - curvature * u * u
    pellet = soft_edge(capsule_distance(u, vc, -half_length, 0.0, half_length, 0.0, radius),
                       0.6 * edge)
    return brightness * pellet


def draw_appendicularian(rng: np.random.Generator, f: Frame) -> np.ndarray:
    """A bright oval trunk with a brighter gonad, and a long wavy tapering tail."""
    m, u, v, edge = f.m, f.u, f.v, f.edge
    trunk_u = np.float32(0.3)
    trunk_a = column(rng, 0.09, 0.13, m)
    trunk_b = trunk_a * column(rng, 0.6, 0.85, m)
    brightness = column(rng, 0.6, 0.85, m)
    trunk = soft_edge(ellipse_distance(u, v, trunk_u, 0.0, trunk_a, trunk_b), edge)
    gonad = soft_edge(disc_distance(u, v, trunk_u - 0.45 * trunk_a, 0.0, 0.45 * trunk_b), edge)
    animal = brightness * np.maximum(0.8 * trunk, gonad)

    tail_start = trunk_u - 0.7 * trunk_a
    tail_length = column(rng, 0.5, 0.72, m)
    tail_end = tail_start - tail_length
    amplitude = column(rng, 0.02, 0.07, m)
    wavenumber = column(rng, 5.0, 10.0, m)
    phase = column(rng, 0.0, 2.0 * np.pi, m)
    thickness = column(rng, 0.016, 0.028, m)
    t = np.clip((u - tail_end) / tail_length, 0.0, 1.0)  # 0 at the tip, 1 at the trunk
    centre_line = amplitude * (1.0 - t) * np.sin(wavenumber * (tail_start - u) + phase)
    across = np.abs(v - centre_line) - thickness * (0.4 + 0.6 * t)
    along = np.maximum(u - tail_start, tail_end - u)
    tail = soft_edge(np.maximum(across, along), edge)
    return np.maximum(animal, column(rng, 0.45, 0.7, m) * brightness * tail)


def draw_chaetognath(rng: np.random.Generator, f: Frame) -> np.ndarray:
    """An arrow worm: slender faint body, brighter gut, head with spines, fins."""
    m, u, v, edge = f.m, f.u, f.v, f.edge
    half_length = column(rng, 0.55, 0.72, m)
    half_width = column(rng, 0.035, 0.055, m)
    curvature = column(rng, -0.35, 0.35, m)
    brightness = column(rng, 0.35, 0.55, m)
    vc = v - curvature * u * u
    body = soft_edge(ellipse_distance(u, vc, 0.0, 0.0, half_length, half_width), edge)
    gut = soft_edge(capsule_distance(u, vc, -0.6 * half_length, 0.0, 0.7 * half_length, 0.0,
                                     0.35 * half_width), edge)
    head_u = 0.93 * half_length
    head = soft_edge(disc_distance(u, vc, head_u, 0.0, 1.3 * half_width), edge)
    worm = brightness * np.maximum(np.maximum(body, head), 1.45 * gut)
    for side in (-1.0, 1.0):
        spine = capsule_distance(u, vc, head_u + half_width, side * 0.8 * half_width,
                                 head_u + half_width + 0.06, side * (half_width + 0.05), 0.008)
        fin = ellipse_distance(u, vc, -0.35 * half_length, side * (half_width + 0.02),
                               0.22 * half_length, 0.025)
        worm = np.maximum(worm, brightness * soft_edge(spine, edge))
        worm = np.maximum(worm, 0.55 * brightness * soft_edge(fin, edge))
    tail_fin = ellipse_distance(u, vc, -half_length, 0.0, 0.06, 0.05)
    return np.maximum(worm, 0.6 * brightness * soft_edge(tail_fin, edge))


def draw_radiolarian(rng: np.random.Generator, f: Frame) -> np.ndarray:
    """A bright round capsule with thin radial spines and, often, a faint outer shell."""
    m, u, v, edge = f.m, f.u, f.v, f.edge
    core_radius = column(rng, 0.12, 0.18, m)
    n_spines = rng.integers(8, 19, m).astype(np.float32).reshape(m, 1, 1)
    spine_length = core_radius * column(rng, 2.0, 2.8, m)
    spine_width = column(rng, 0.008, 0.014, m)
    brightness = column(rng, 0.6, 0.9, m)
    radius = np.sqrt(u * u + v * v)
    core = soft_edge(radius - core_radius, edge)
    centre = soft_edge(radius - 0.45 * core_radius, edge)
    cell = brightness * (0.75 * core + 0.25 * centre)

    cos_k = np.cos(n_spines * polar_angle(u, v))
    # Distance to the nearest spine: the radius times the angle to it, from 1 - cos(k theta).
    to_spine = radius * np.sqrt(np.maximum(2.0 * (1.0 - cos_k), 0.0)) / n_spines
    taper = spine_width * (1.6 - radius / spine_length)
    spines = soft_edge(np.maximum(to_spine - taper, radius - spine_length), edge)
    cell = np.maximum(cell, column(rng, 0.55, 0.8, m) * brightness * spines)

    with_shell = rng.random(m) < 0.6
    shell_radius = core_radius * column(rng, 1.35, 1.7, m)
    shell = soft_edge(np.abs(radius - shell_radius) - 0.012, edge)
    shell_brightness = choose(with_shell, 0.4 * brightness, np.float32(0.0))
    return np.maximum(cell, shell_brightness * shell)


def draw_detritus(rng: np.random.Generator, f: Frame) -> np.ndarray:
    """A lumpy blob (random angular harmonics), sometimes with a second lump."""
    m, u, v, edge = f.m, f.u, f.v, f.edge
    size = np.exp(column(rng, np.log(0.1), np.log(0.45), m))
    aspect = column(rng, 0.45, 1.0, m)
    brightness = column(rng, 0.3, 0.7, m)
    vs = v / aspect
    theta = polar_angle(u, vs)
    outline = np.ones_like(u)
    for k in range(2, 6):
        amplitude = column(rng, 0.0, 0.3 / np.sqrt(k), m)
        phase = column(rng, 0.0, 2.0 * np.pi, m)
        outline += amplitude * np.cos(k * theta - phase)
    distance = np.sqrt(u * u + vs * vs) - size * outline
    fuzz = column(rng, 1.0, 2.5, m) * edge
    blob = soft_edge(distance * aspect, fuzz)

    with_lump = rng.random(m) < 0.4
    lump_angle = rng.uniform(0.0, 2.0 * np.pi, m)
    lump_distance = size * column(rng, 0.7, 1.1, m)
    lump_u = lump_distance * np.cos(lump_angle).astype(np.float32).reshape(m, 1, 1)
    lump_v = lump_distance * np.sin(lump_angle).astype(np.float32).reshape(m, 1, 1)
    lump_radius = choose(with_lump, size * column(rng, 0.3, 0.6, m), np.float32(-1.0))
    lump = soft_edge(disc_distance(u, v, lump_u, lump_v, lump_radius), fuzz)
    return brightness * np.maximum(blob, 0.85 * lump)


#: The drawing function of every class, by name.
DRAWERS: dict[str, Callable[[np.random.Generator, Frame], np.ndarray]] = {
    "detritus": draw_detritus,
    "copepod": draw_copepod,
    "diatom_chain": draw_diatom_chain,
    "fecal_pellet": draw_fecal_pellet,
    "appendicularian": draw_appendicularian,
    "chaetognath": draw_chaetognath,
    "radiolarian": draw_radiolarian,
    "copepod_with_eggs": draw_copepod_with_eggs,
}
