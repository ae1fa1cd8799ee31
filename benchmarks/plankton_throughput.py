"""Training and feature-extraction throughput of the plankton CNN on the device found.

Run with ``python benchmarks/plankton_throughput.py`` (part of ``make bench``). It picks CUDA,
then MPS, then the CPU (``DLCOURSE_DEVICE`` forces one), trains the shipped extractor's
architecture for two epochs on generated 64 x 64 images (mixed precision and pinned memory on
CUDA) and extracts the shipped extractor's features, then prints images per second for each.
Figures only, no target: they say how long the GPU labs will take here.
"""

from __future__ import annotations

import sys
import time

import torch

from dlcourse.data.plankton import extractor_info, load_extractor, make_plankton
from dlcourse.device import device_info
from dlcourse.nn.plankton_cnn import PlanktonCNN
from dlcourse.nn.training import extract_features, train_model


def main() -> int:
    """Print the device, then training and extraction throughput in images per second."""
    info = device_info()
    print(info.describe())
    on_gpu = info.kind != "cpu"
    n_train = 16384 if on_gpu else 2048
    n_extract = 32768 if on_gpu else 4096
    data = make_plankton(n=max(n_train, n_extract), seed=0, balanced=True)

    torch.manual_seed(0)
    model = PlanktonCNN(**extractor_info()["architecture"])
    warm_up = data.subset(slice(0, 256))
    train_model(model, warm_up, epochs=1, batch_size=128, device=info.kind, progress=False)
    history = train_model(model, data.subset(slice(0, n_train)), epochs=2, batch_size=128,
                          device=info.kind, progress=False)
    training = max(history.images_per_second)

    extractor = load_extractor(device=info.kind)
    extract_features(extractor, data.images[:512], device=info.kind)  # warm up
    if info.kind == "cuda":
        torch.cuda.synchronize()
    start = time.perf_counter()
    extract_features(extractor, data.images[:n_extract], batch_size=512, device=info.kind)
    if info.kind == "cuda":
        torch.cuda.synchronize()
    extraction = n_extract / (time.perf_counter() - start)

    precision = "mixed precision" if history.mixed_precision else "float32"
    threads = "" if on_gpu else f", {torch.get_num_threads()} CPU threads"
    print(f"training: {training:,.0f} images/s ({n_train} images of 64x64, batch 128, "
          f"{precision}{threads})")
    print(f"feature extraction: {extraction:,.0f} images/s ({n_extract} images, batch 512); "
          f"ratio extraction / training {extraction / training:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
