"""The Palmer penguins: 344 penguins of three species measured near Palmer Station, Antarctica.

Shipped in ``datasets/penguins/`` (CC0; see its README for origin and licence).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd

from dlcourse.paths import datasets_dir

SPECIES = ("Adelie", "Chinstrap", "Gentoo")
MEASUREMENTS = ("bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g")
#: SHA-256 of the shipped CSV; the loader refuses a file that differs.
PENGUINS_SHA256 = "f204db2c753b0937caac3cb35258562c14f073e4bbc76be24b4c51ce22767a93"


def _penguins_csv() -> Path:
    return datasets_dir() / "penguins" / "penguins.csv"


def load_penguins(dropna: bool = True) -> pd.DataFrame:
    """Load the Palmer penguins table.

    Parameters
    ----------
    dropna : bool
        Drop the rows with a missing measurement (2 penguins) or sex (9 more).

    Returns
    -------
    pandas.DataFrame
        Columns ``species, island, bill_length_mm, bill_depth_mm, flipper_length_mm,
        body_mass_g, sex, year``; 333 rows with ``dropna=True``, 344 without.

    Raises
    ------
    FileNotFoundError
        If the shipped CSV is missing, with how to restore it.
    ValueError
        If the CSV differs from the shipped one (its checksum does not match).
    """
    path = _penguins_csv()
    if not path.is_file():
        raise FileNotFoundError(
            f"the penguins data is missing ({path}); restore it with "
            "`git checkout -- datasets/penguins/penguins.csv`"
        )
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != PENGUINS_SHA256:
        raise ValueError(
            f"{path} is not the course's copy of the penguins data (checksum {digest[:12]}... "
            "differs); restore it with `git checkout -- datasets/penguins/penguins.csv`"
        )
    frame = pd.read_csv(path, na_values=["NA"])
    if dropna:
        frame = frame.dropna().reset_index(drop=True)
    return frame


def penguin_pair(
    species: tuple[str, str] = ("Adelie", "Gentoo"),
    features: tuple[str, str] = ("bill_depth_mm", "flipper_length_mm"),
    standardize: bool = True,
) -> tuple[np.ndarray, np.ndarray, dict]:
    """Two species and two measurements, ready for a perceptron.

    Parameters
    ----------
    species : (str, str)
        The first gets label -1, the second +1.
    features : (str, str)
        Two of ``bill_length_mm, bill_depth_mm, flipper_length_mm, body_mass_g``.
    standardize : bool
        Centre each measurement and divide by its standard deviation (z-scores).

    Returns
    -------
    X : ndarray of shape (n, 2)
    y : ndarray of shape (n,) with values -1 and +1
    info : dict
        ``species``, ``features``, and the ``mean`` and ``std`` used to standardise (to map
        a z-score back to millimetres: ``x_mm = z * std + mean``).

    Examples
    --------
    >>> X, y, info = penguin_pair()
    >>> X.shape[1], info["species"]
    (2, ('Adelie', 'Gentoo'))
    """
    if len(species) != 2 or len(set(species)) != 2 or not set(species) <= set(SPECIES):
        raise ValueError(f"species must be two different names among {SPECIES}, got {species!r}")
    if len(features) != 2 or not set(features) <= set(MEASUREMENTS):
        raise ValueError(f"features must be two names among {MEASUREMENTS}, got {features!r}")
    frame = load_penguins()
    frame = frame[frame["species"].isin(species)]
    X = frame[list(features)].to_numpy(dtype=np.float64)
    y = np.where(frame["species"].to_numpy() == species[1], 1, -1)
    mean = X.mean(axis=0)
    std = X.std(axis=0)
    if standardize:
        X = (X - mean) / std
    info = {"species": tuple(species), "features": tuple(features), "mean": mean, "std": std}
    return X, y, info
