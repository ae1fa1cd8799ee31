"""Training and feature extraction for the GPU labs: CUDA, then Apple MPS, then the CPU.

On CUDA, :func:`train_model` and :func:`extract_features` compute in mixed precision
(``torch.autocast`` with float16, and a gradient scaler) and load batches from pinned memory;
elsewhere they compute in float32. On CUDA and the CPU, images and weights are laid out
channels-last, which convolutions run faster on. Long loops show a progress bar in images
per second.

Examples
--------
>>> from dlcourse.data.plankton import make_plankton
>>> from dlcourse.nn.plankton_cnn import PlanktonCNN
>>> _ = torch.manual_seed(0)
>>> data = make_plankton(n=64, size=32, seed=0)
>>> history = train_model(PlanktonCNN(), data, epochs=1, device="cpu", progress=False)
>>> history.to_frame().columns.tolist()[:3]
['epoch', 'train_loss', 'train_accuracy']
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import torch
from matplotlib.figure import Figure
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from tqdm.auto import tqdm

from dlcourse.device import pick_device


@dataclass
class History:
    """Learning curves: one value per epoch.

    Attributes
    ----------
    epoch : list of int
    train_loss, train_accuracy : list of float
        Mean cross-entropy and accuracy over the epoch's training batches (dropout on).
    validation_loss, validation_accuracy, validation_balanced_accuracy : list of float
        On the validation set after each epoch; empty without a validation set.
    seconds : list of float
        Wall-clock time of each epoch (validation included).
    images_per_second : list of float
        Training images per second in each epoch.
    device : str
        Where the model trained.
    mixed_precision : bool
        Whether autocast (float16) was on.
    """

    epoch: list[int] = field(default_factory=list)
    train_loss: list[float] = field(default_factory=list)
    train_accuracy: list[float] = field(default_factory=list)
    validation_loss: list[float] = field(default_factory=list)
    validation_accuracy: list[float] = field(default_factory=list)
    validation_balanced_accuracy: list[float] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    images_per_second: list[float] = field(default_factory=list)
    device: str = "cpu"
    mixed_precision: bool = False

    def to_frame(self) -> pd.DataFrame:
        """The curves as a table, one row per epoch (validation columns NaN without one)."""
        columns = {k: v for k, v in asdict(self).items() if isinstance(v, list)}
        n = len(self.epoch)
        return pd.DataFrame({k: v if len(v) == n else [np.nan] * n for k, v in columns.items()})

    def plot(self, title: str = "Learning curves") -> Figure:
        """Two panels, loss and accuracy per epoch, training and validation.

        Returns
        -------
        matplotlib.figure.Figure
        """
        from dlcourse.viz import class_color, label_axes, new_figure

        fig, (loss_ax, accuracy_ax) = new_figure(ncols=2, width=5.0, height=3.6)
        loss_ax.plot(self.epoch, self.train_loss, "o-", color=class_color(0), label="training")
        accuracy_ax.plot(self.epoch, self.train_accuracy, "o-", color=class_color(0),
                         label="training")
        if self.validation_loss:
            loss_ax.plot(self.epoch, self.validation_loss, "s-", color=class_color(1),
                         label="validation")
            accuracy_ax.plot(self.epoch, self.validation_accuracy, "s-", color=class_color(1),
                             label="validation")
            accuracy_ax.plot(self.epoch, self.validation_balanced_accuracy, "^--",
                             color=class_color(2), label="validation, balanced")
        label_axes(loss_ax, "Loss", "epoch", "cross-entropy (nats per image)")
        label_axes(accuracy_ax, "Accuracy", "epoch", "accuracy (fraction correct)")
        for ax in (loss_ax, accuracy_ax):
            ax.legend(loc="best")
        fig.suptitle(f"{title} ({self.device})")
        return fig


def resolve_device(device: str | torch.device | None = None) -> torch.device:
    """``device`` as a ``torch.device``; None picks CUDA, then MPS, then the CPU.

    Examples
    --------
    >>> resolve_device("cpu")
    device(type='cpu')
    """
    if device is None:
        return torch.device(pick_device())
    device = torch.device(device)
    if device.type not in ("cuda", "mps", "cpu"):
        raise ValueError(f"device must be 'cuda', 'mps' or 'cpu', got {device.type!r}")
    if device.type != "cpu":
        pick_device(device.type)  # raises a clear error if it is not available
    return device


def _memory_format(device: torch.device) -> torch.memory_format:
    """Channels-last on CUDA and the CPU, where convolutions run faster with it."""
    return torch.channels_last if device.type in ("cuda", "cpu") else torch.contiguous_format


def _use_mixed_precision(device: torch.device, mixed_precision: bool | None) -> bool:
    if mixed_precision is None:
        return device.type == "cuda"
    if mixed_precision and device.type != "cuda":
        raise ValueError(f"mixed precision needs a CUDA GPU, and the device is {device.type!r}: "
                         "leave mixed_precision=None")
    return bool(mixed_precision)


def as_image_tensor(images: Any) -> torch.Tensor:
    """Images as a float32 tensor of shape (n, 1, H, W).

    Parameters
    ----------
    images : array or tensor of shape (n, H, W) or (n, 1, H, W), or a PlanktonSet
    """
    images = getattr(images, "images", images)
    tensor = torch.as_tensor(np.asarray(images) if not torch.is_tensor(images) else images)
    if tensor.ndim == 3:
        tensor = tensor.unsqueeze(1)
    if tensor.ndim != 4 or tensor.shape[1] != 1:
        raise ValueError("images must have shape (n, H, W) or (n, 1, H, W), "
                         f"got {tuple(tensor.shape)}")
    if tensor.shape[0] == 0:
        raise ValueError("images is empty")
    if not tensor.is_floating_point():
        raise ValueError(f"images must hold floats in [0, 1], got dtype {tensor.dtype}")
    return tensor.float()


def _as_labelled(data: Any, name: str) -> tuple[torch.Tensor, torch.Tensor]:
    """A PlanktonSet or an (images, labels) pair as two tensors."""
    if hasattr(data, "images") and hasattr(data, "labels"):
        images, labels = data.images, data.labels
    elif isinstance(data, (tuple, list)) and len(data) == 2:
        images, labels = data
    else:
        raise ValueError(f"{name} must be a PlanktonSet or an (images, labels) pair")
    images = as_image_tensor(images)
    labels = torch.as_tensor(np.asarray(labels), dtype=torch.long)
    if labels.shape != (images.shape[0],):
        raise ValueError(f"{name}: labels must have shape ({images.shape[0]},) to match the "
                         f"images, got {tuple(labels.shape)}")
    return images, labels


def make_loader(images: Any, labels: Any = None, batch_size: int = 128, shuffle: bool = False,
                device: str | torch.device | None = "cpu", seed: int = 0) -> DataLoader:
    """A DataLoader over images held in memory, pinned when the device is a CUDA GPU.

    Parameters
    ----------
    images : array of shape (n, H, W) or (n, 1, H, W)
    labels : array of shape (n,), optional
        Without labels, batches are 1-tuples ``(images,)``.
    batch_size : int
    shuffle : bool
        Reshuffle at every epoch, in an order fixed by ``seed``.
    device : str or torch.device, optional
        Where the batches will go (only decides whether to pin memory).
    seed : int

    Returns
    -------
    torch.utils.data.DataLoader
    """
    if int(batch_size) != batch_size or batch_size < 1:
        raise ValueError(f"batch_size must be an integer >= 1, got {batch_size!r}")
    tensors = [as_image_tensor(images)]
    if labels is not None:
        tensors.append(torch.as_tensor(np.asarray(labels), dtype=torch.long))
    generator = torch.Generator().manual_seed(seed)
    return DataLoader(TensorDataset(*tensors), batch_size=int(batch_size), shuffle=shuffle,
                      generator=generator, pin_memory=resolve_device(device).type == "cuda")


def _class_weights(labels: torch.Tensor, n_classes: int, class_weight: Any) -> torch.Tensor | None:
    if class_weight is None:
        return None
    if isinstance(class_weight, str):
        if class_weight != "balanced":
            raise ValueError(f"class_weight must be None, 'balanced' or one weight per class, "
                             f"got {class_weight!r}")
        counts = torch.bincount(labels, minlength=n_classes).float()
        return labels.numel() / (n_classes * counts.clamp(min=1))
    weights = torch.as_tensor(np.asarray(class_weight), dtype=torch.float32)
    if weights.shape != (n_classes,):
        raise ValueError(f"class_weight must hold {n_classes} weights, got {tuple(weights.shape)}")
    return weights


def balanced_accuracy(labels: np.ndarray, predictions: np.ndarray) -> float:
    """Mean recall over the classes present in ``labels``.

    Examples
    --------
    >>> balanced_accuracy(np.array([0, 0, 0, 1]), np.array([0, 0, 0, 0]))
    0.5
    """
    classes = np.unique(labels)
    return float(np.mean([(predictions[labels == k] == k).mean() for k in classes]))


@torch.no_grad()
def _forward_all(model: nn.Module, images: Any, batch_size: int, device: torch.device,
                 amp: bool, method: str, progress: bool, description: str) -> torch.Tensor:
    """Run ``model.<method>`` over all images in eval mode; float32 outputs on the CPU."""
    loader = make_loader(images, batch_size=batch_size, device=device)
    was_training = model.training
    model.eval()
    function = getattr(model, method) if method != "forward" else model
    outputs = []
    bar = tqdm(total=len(loader.dataset), unit="img", unit_scale=True, desc=description,
               disable=not progress, leave=False)
    for (batch,) in loader:
        batch = batch.to(device, non_blocking=True, memory_format=_memory_format(device))
        with torch.autocast(device_type=device.type, dtype=torch.float16, enabled=amp):
            outputs.append(function(batch).float().cpu())
        bar.update(len(batch))
    bar.close()
    model.train(was_training)
    return torch.cat(outputs)


def predict_proba(model: nn.Module, images: Any, batch_size: int = 256,
                  device: str | torch.device | None = None, progress: bool = False) -> np.ndarray:
    """Class probabilities (softmax of the scores), an array of shape (n, n_classes).

    The model is moved to ``device`` (None: CUDA, then MPS, then the CPU) and evaluated in
    eval mode (no dropout, batch-norm running statistics).
    """
    device = resolve_device(device)
    model.to(device, memory_format=_memory_format(device))
    scores = _forward_all(model, images, batch_size, device, _use_mixed_precision(device, None),
                          "forward", progress, "predicting")
    return torch.softmax(scores, dim=1).numpy()


def predict(model: nn.Module, images: Any, batch_size: int = 256,
            device: str | torch.device | None = None) -> np.ndarray:
    """The most probable class of every image, an int64 array of shape (n,)."""
    return predict_proba(model, images, batch_size, device).argmax(axis=1).astype(np.int64)


def extract_features(model: nn.Module, images: Any, batch_size: int = 256,
                     device: str | torch.device | None = None,
                     progress: bool = False) -> np.ndarray:
    """The features of every image: ``model.features`` (or the output, without one).

    Parameters
    ----------
    model : torch.nn.Module
        Usually :func:`dlcourse.data.plankton.load_extractor`'s network.
    images : array of shape (n, H, W) or (n, 1, H, W), or a PlanktonSet
        Grey levels in [0, 1].
    batch_size : int
    device : str or torch.device, optional
        None: CUDA (in mixed precision), then MPS, then the CPU.
    progress : bool
        Show a progress bar (images per second).

    Returns
    -------
    ndarray of shape (n, d), float32
        The same numbers for the same images on the same device (eval mode, no randomness).
    """
    device = resolve_device(device)
    model.to(device, memory_format=_memory_format(device))
    method = "features" if callable(getattr(model, "features", None)) else "forward"
    features = _forward_all(model, images, batch_size, device,
                            _use_mixed_precision(device, None), method, progress,
                            "extracting features")
    return features.flatten(1).numpy()


def evaluate(model: nn.Module, images: Any, labels: Any, batch_size: int = 256,
             device: str | torch.device | None = None) -> dict[str, float]:
    """Loss, accuracy and balanced accuracy of ``model`` on labelled images.

    Returns
    -------
    dict
        ``loss`` (mean cross-entropy), ``accuracy``, ``balanced_accuracy``.
    """
    images, labels = _as_labelled((images, labels), "evaluate")
    device = resolve_device(device)
    model.to(device, memory_format=_memory_format(device))
    scores = _forward_all(model, images, batch_size, device, _use_mixed_precision(device, None),
                          "forward", False, "evaluating")
    predictions = scores.argmax(dim=1).numpy()
    return {
        "loss": float(nn.functional.cross_entropy(scores, labels)),
        "accuracy": float((predictions == labels.numpy()).mean()),
        "balanced_accuracy": balanced_accuracy(labels.numpy(), predictions),
    }


def train_model(model: nn.Module, train: Any, validation: Any = None, epochs: int = 5,
                batch_size: int = 128, learning_rate: float = 1e-3, weight_decay: float = 0.0,
                class_weight: Any = None, schedule: str = "constant",
                device: str | torch.device | None = None, mixed_precision: bool | None = None,
                seed: int = 0, progress: bool = True) -> History:
    """Train a classifier with Adam and cross-entropy; return its learning curves.

    Parameters
    ----------
    model : torch.nn.Module
        Maps a batch (n, 1, H, W) to class scores (n, n_classes); trained in place.
    train, validation : PlanktonSet or (images, labels)
        Images of shape (n, H, W) in [0, 1] and integer labels. Validation is optional.
    epochs : int
        Passes over the training set.
    batch_size : int
    learning_rate : float
        Adam's step size.
    weight_decay : float
        L2 penalty (Adam's ``weight_decay``).
    class_weight : None, "balanced" or sequence of float
        Weights of the classes in the loss; ``"balanced"`` weighs each class by
        n / (n_classes * its count), so that rare classes count as much as common ones.
    schedule : "constant" or "cosine"
        Keep the learning rate, or bring it down to 0 along a half cosine over the training.
    device : str or torch.device, optional
        None: CUDA, then MPS, then the CPU (``dlcourse.device.pick_device``).
    mixed_precision : bool, optional
        None: on CUDA only (float16 autocast and a gradient scaler).
    seed : int
        Seeds the shuffling of the batches and dropout (seed the model's initial weights
        yourself, before building it).
    progress : bool
        Show a progress bar with images per second.

    Returns
    -------
    History
        Loss and accuracy per epoch, for training and validation.
    """
    if int(epochs) != epochs or epochs < 1:
        raise ValueError(f"epochs must be an integer >= 1, got {epochs!r}")
    if not learning_rate > 0:
        raise ValueError(f"learning_rate must be positive, got {learning_rate!r}")
    if schedule not in ("constant", "cosine"):
        raise ValueError(f"schedule must be 'constant' or 'cosine', got {schedule!r}")
    train_images, train_labels = _as_labelled(train, "train")
    if validation is not None:
        validation_images, validation_labels = _as_labelled(validation, "validation")
    device = resolve_device(device)
    amp = _use_mixed_precision(device, mixed_precision)
    model.to(device, memory_format=_memory_format(device))
    n_classes = getattr(model, "n_classes", None) or int(train_labels.max()) + 1
    weights = _class_weights(train_labels, n_classes, class_weight)
    loss_function = nn.CrossEntropyLoss(weight=None if weights is None else weights.to(device))
    optimizer = torch.optim.Adam(model.parameters(), lr=learning_rate, weight_decay=weight_decay)
    loader = make_loader(train_images, train_labels, batch_size, shuffle=True, device=device,
                         seed=seed)
    steps = int(epochs) * len(loader)
    scheduler = (torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=steps)
                 if schedule == "cosine" else None)
    scaler = torch.amp.GradScaler("cuda", enabled=amp)
    torch.manual_seed(seed)
    history = History(device=str(device), mixed_precision=amp)
    bar = tqdm(total=int(epochs) * len(train_labels), unit="img", unit_scale=True,
               desc=f"training on {device.type}", disable=not progress)
    for epoch in range(1, int(epochs) + 1):
        start = time.perf_counter()
        model.train()
        total_loss = torch.zeros((), device=device)
        correct = torch.zeros((), device=device, dtype=torch.long)
        for images, labels in loader:
            images = images.to(device, non_blocking=True, memory_format=_memory_format(device))
            labels = labels.to(device, non_blocking=True)
            optimizer.zero_grad(set_to_none=True)
            with torch.autocast(device_type=device.type, dtype=torch.float16, enabled=amp):
                scores = model(images)
                loss = loss_function(scores, labels)
            scaler.scale(loss).backward()
            scaler.step(optimizer)
            scaler.update()
            if scheduler is not None:
                scheduler.step()
            total_loss += loss.detach().float() * len(labels)
            correct += (scores.argmax(dim=1) == labels).sum()
            bar.update(len(labels))
        train_seconds = time.perf_counter() - start
        history.epoch.append(epoch)
        history.train_loss.append(float(total_loss) / len(train_labels))
        history.train_accuracy.append(float(correct) / len(train_labels))
        history.images_per_second.append(len(train_labels) / train_seconds)
        postfix = {"loss": f"{history.train_loss[-1]:.3f}"}
        if validation is not None:
            measured = evaluate(model, validation_images, validation_labels, device=device)
            history.validation_loss.append(measured["loss"])
            history.validation_accuracy.append(measured["accuracy"])
            history.validation_balanced_accuracy.append(measured["balanced_accuracy"])
            postfix["val_acc"] = f"{measured['accuracy']:.3f}"
        history.seconds.append(time.perf_counter() - start)
        bar.set_postfix(postfix)
    bar.close()
    model.eval()
    return history
