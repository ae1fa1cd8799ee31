"""The shipped feature extractor: a small CNN trained elsewhere, loaded with its checksum checked.

EcoTaxa feeds its Random Forest with features from a CNN that was trained once, on other
images, and is then kept fixed. The course ships such a network: :class:`PlanktonCNN` trained
by ``datasets/plankton/train_extractor.py`` on the ``extractor-train`` split only (a balanced
set with its own seed). Its weights are ``datasets/plankton/plankton_extractor.pt``; its card,
``plankton_extractor.json``, records their SHA-256, how they were trained and their scores on
the held-out ``extractor-test`` split.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import torch

from dlcourse.nn.plankton_cnn import PlanktonCNN
from dlcourse.nn.training import extract_features, resolve_device
from dlcourse.paths import datasets_dir

WEIGHTS_FILE = "plankton_extractor.pt"
CARD_FILE = "plankton_extractor.json"
REBUILD_COMMAND = "python datasets/plankton/train_extractor.py"

__all__ = ["extract_features", "extractor_info", "extractor_paths", "load_extractor",
           "ExtractorError"]


class ExtractorError(ValueError):
    """The extractor's weights or card are unusable (corrupt, replaced or inconsistent)."""


def _remedy() -> str:
    return (f"restore the course's copy with `git checkout -- datasets/plankton/` or rebuild "
            f"it with `{REBUILD_COMMAND}` (a few minutes on a laptop's CPU)")


def extractor_paths() -> tuple[Path, Path]:
    """Paths of the weights and of their card (``DLCOURSE_DATASETS`` moves them)."""
    folder = datasets_dir() / "plankton"
    return folder / WEIGHTS_FILE, folder / CARD_FILE


def sha256_of(path: Path) -> str:
    """SHA-256 of a file, in hexadecimal."""
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def extractor_info() -> dict[str, Any]:
    """The extractor's card: checksum, architecture, training settings and held-out scores.

    Returns
    -------
    dict
        Keys include ``sha256``, ``architecture`` (the arguments of :class:`PlanktonCNN`),
        ``n_parameters``, ``feature_size``, ``class_names``, ``train_split``, ``test_split``,
        ``epochs``, ``test_accuracy``, ``test_balanced_accuracy``, ``test_recall`` (per class)
        ``training_seconds`` (wall clock) and ``training_cpu_seconds``.

    Raises
    ------
    FileNotFoundError
        If the card is missing, with how to restore or rebuild it.
    ExtractorError
        If the card is not valid JSON or lacks a key.
    """
    _, card_path = extractor_paths()
    if not card_path.is_file():
        raise FileNotFoundError(f"the plankton extractor's card is missing ({card_path}); "
                                + _remedy())
    try:
        card = json.loads(card_path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ExtractorError(f"the plankton extractor's card ({card_path}) is not valid JSON "
                             f"({error}); " + _remedy()) from None
    missing = [key for key in ("sha256", "architecture", "class_names") if key not in card]
    if missing:
        raise ExtractorError(f"the plankton extractor's card ({card_path}) lacks {missing}; "
                             + _remedy())
    return card


def load_extractor(device: str | torch.device | None = None) -> PlanktonCNN:
    """Load the shipped feature extractor, after checking its weights' SHA-256.

    Parameters
    ----------
    device : str or torch.device, optional
        Where to put the network; None: CUDA, then MPS, then the CPU.

    Returns
    -------
    PlanktonCNN
        In eval mode, its parameters frozen (``requires_grad`` False). ``model.features``
        maps a batch (n, 1, 64, 64) to (n, ``model.feature_size``) features; use
        :func:`extract_features` on numpy images.

    Raises
    ------
    FileNotFoundError
        If the weights or their card are missing.
    ExtractorError
        If the weights do not match the card's checksum (corrupt or replaced), or cannot be
        read. Every message says how to restore or rebuild them.

    Examples
    --------
    >>> from dlcourse.data.plankton import make_plankton
    >>> model = load_extractor(device="cpu")
    >>> extract_features(model, make_plankton(n=3, seed=0).images, device="cpu").shape[0]
    3
    """
    card = extractor_info()
    weights_path, card_path = extractor_paths()
    if not weights_path.is_file():
        raise FileNotFoundError(f"the plankton extractor's weights are missing ({weights_path}); "
                                + _remedy())
    digest = sha256_of(weights_path)
    if digest != card["sha256"]:
        raise ExtractorError(
            f"{weights_path} does not match its card: SHA-256 {digest[:12]}... instead of "
            f"{card['sha256'][:12]}... recorded in {card_path.name}, so the file is corrupt or "
            "was replaced; " + _remedy()
        )
    model = PlanktonCNN(**card["architecture"])
    try:
        state = torch.load(weights_path, map_location="cpu", weights_only=True)
        model.load_state_dict(state)
    except Exception as error:  # a file that matches its card but does not fit the network
        raise ExtractorError(f"{weights_path} cannot be loaded into the network its card "
                             f"describes ({error}); " + _remedy()) from None
    model.eval()
    for parameter in model.parameters():
        parameter.requires_grad_(False)
    return model.to(resolve_device(device))
