"""Train the course's plankton feature extractor, reproducibly, on the CPU.

Usage (from the course's root)::

    python datasets/plankton/train_extractor.py            # rebuild the shipped weights
    python datasets/plankton/train_extractor.py --help     # the settings

It draws the ``extractor-train`` split (balanced, seed 101: images no lesson sees), trains
``PlanktonCNN`` with the settings below, scores it once on ``extractor-test`` (seed 102), then
writes ``plankton_extractor.pt`` (the weights) and ``plankton_extractor.json`` (their card:
SHA-256, settings, held-out scores) beside this script. ``load_extractor`` refuses weights that
do not match their card. Same machine, same thread count: the same weights, bit for bit; on
another machine, weights that differ in rounding and score about the same. It runs on one
CPU thread by default, in a few minutes.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

import numpy as np
import torch

from dlcourse.data.plankton import SPLITS, load_split
from dlcourse.data.plankton.extractor import CARD_FILE, WEIGHTS_FILE, sha256_of
from dlcourse.nn.plankton_cnn import PlanktonCNN, count_parameters
from dlcourse.nn.training import evaluate, predict, train_model
from dlcourse.reproducibility import seed_everything

#: The network and its training; the card records them.
ARCHITECTURE = {"n_classes": 8, "channels": [12, 24, 48, 96], "feature_size": 192,
                "dropout": 0.2}
SEED = 2024
EPOCHS = 8
BATCH_SIZE = 64
LEARNING_RATE = 2e-3
WEIGHT_DECAY = 1e-4


def parse_arguments(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line's settings."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=EPOCHS, help="passes over the data")
    parser.add_argument("--n-train", type=int, default=SPLITS["extractor-train"].n,
                        help="training images (the split's own size by default)")
    parser.add_argument("--threads", type=int, default=1,
                        help="CPU threads (the weights depend on it in the last bits; the "
                             "shipped ones were trained on 1)")
    parser.add_argument("--output-dir", type=Path, default=Path(__file__).resolve().parent,
                        help="where to write the weights and their card")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Train, score, and write the weights and their card."""
    args = parse_arguments(argv)
    torch.set_num_threads(args.threads)
    torch.use_deterministic_algorithms(True)
    start, start_cpu = time.perf_counter(), time.process_time()
    train = load_split("extractor-train", n=args.n_train)
    test = load_split("extractor-test")
    seed_everything(SEED)
    model = PlanktonCNN(**ARCHITECTURE)
    history = train_model(model, train, epochs=args.epochs, batch_size=BATCH_SIZE,
                          learning_rate=LEARNING_RATE, weight_decay=WEIGHT_DECAY,
                          schedule="cosine", device="cpu", seed=SEED, progress=not args.quiet)
    scores = evaluate(model, test.images, test.labels, device="cpu")
    predictions = predict(model, test.images, device="cpu")
    recall = {name: float((predictions[test.labels == k] == k).mean())
              for k, name in enumerate(test.class_names)}
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - start_cpu

    args.output_dir.mkdir(parents=True, exist_ok=True)
    weights_path = args.output_dir / WEIGHTS_FILE
    torch.save(model.state_dict(), weights_path)
    card = {
        "file": WEIGHTS_FILE,
        "sha256": sha256_of(weights_path),
        "architecture": ARCHITECTURE,
        "n_parameters": count_parameters(model),
        "feature_size": ARCHITECTURE["feature_size"],
        "class_names": list(train.class_names),
        "train_split": "extractor-train",
        "n_train": len(train),
        "test_split": "extractor-test",
        "n_test": len(test),
        "seed": SEED,
        "epochs": args.epochs,
        "batch_size": BATCH_SIZE,
        "learning_rate": LEARNING_RATE,
        "weight_decay": WEIGHT_DECAY,
        "schedule": "cosine",
        "train_loss": [round(x, 4) for x in history.train_loss],
        "train_accuracy": [round(x, 4) for x in history.train_accuracy],
        "test_accuracy": round(scores["accuracy"], 4),
        "test_balanced_accuracy": round(scores["balanced_accuracy"], 4),
        "test_recall": {name: round(value, 4) for name, value in recall.items()},
        "training_seconds": round(seconds, 1),
        "training_cpu_seconds": round(cpu_seconds, 1),
        "threads": args.threads,
        "torch_version": torch.__version__,
        "numpy_version": np.__version__,
        "python_version": platform.python_version(),
        "licence": "CC0-1.0",
    }
    (args.output_dir / CARD_FILE).write_text(json.dumps(card, indent=2) + "\n", encoding="utf-8")
    size_kb = weights_path.stat().st_size / 1024
    print(f"{card['n_parameters']:,} parameters, {size_kb:.0f} KiB, trained in {seconds:.0f} s "
          f"({cpu_seconds:.0f} s of CPU time) on {args.threads} CPU thread(s); held-out "
          f"accuracy {scores['accuracy']:.3f}, balanced {scores['balanced_accuracy']:.3f}")
    print(f"wrote {weights_path.name} and {CARD_FILE} (SHA-256 {card['sha256'][:12]}...)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
