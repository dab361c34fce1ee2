"""The Fashion-MNIST CNN in PyTorch: built from :data:`mnn.models.fashion_cnn.LAYERS`, trained."""

from __future__ import annotations

import math
from collections import OrderedDict
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from .fashion_cnn import HISTORY_KEYS, KERNEL_SIZE, LAYERS, flattened_shape, progress_bar

WEIGHTS_FILE = "weights.pt"
EVALUATION_BATCH = 1000


def version() -> str:
    return torch.__version__


def _network() -> nn.Sequential:
    modules: OrderedDict[str, nn.Module] = OrderedDict()
    channels, features = 1, math.prod(flattened_shape())
    for layer in LAYERS:
        if layer.kind == "conv":
            modules[layer.name] = nn.Conv2d(channels, int(layer.size), KERNEL_SIZE, padding="same")
            channels = int(layer.size)
        elif layer.kind == "relu":
            modules[layer.name] = nn.ReLU()
        elif layer.kind == "maxpool":
            modules[layer.name] = nn.MaxPool2d(int(layer.size))
        elif layer.kind == "flatten":
            modules[layer.name] = nn.Flatten()
        elif layer.kind == "dropout":
            modules[layer.name] = nn.Dropout(layer.size)
        else:
            modules[layer.name] = nn.Linear(features, int(layer.size))
            features = int(layer.size)
    return nn.Sequential(modules)


def build(seed: int) -> nn.Sequential:
    """The untrained network, initialised from ``seed`` without touching the global RNG."""
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        return _network()


def _evaluate(model: nn.Module, x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Mean cross-entropy and accuracy of ``model`` on (x, y), in evaluation mode."""
    model.eval()
    loss, correct = 0.0, 0
    with torch.no_grad():
        for start in range(0, len(x), EVALUATION_BATCH):
            logits = model(torch.from_numpy(x[start : start + EVALUATION_BATCH]))
            labels = torch.from_numpy(y[start : start + EVALUATION_BATCH])
            loss += F.cross_entropy(logits, labels, reduction="sum").item()
            correct += int((logits.argmax(1) == labels).sum())
    return loss / len(x), correct / len(x)


def train(
    config: dict[str, Any], data: tuple[np.ndarray, ...], progress: bool
) -> tuple[nn.Sequential, dict[str, list[float]]]:
    """Adam on shuffled mini-batches; returns the model in evaluation mode and its history."""
    x_train, y_train, x_test, y_test = data
    epochs, batch_size = config["epochs"], config["batch_size"]
    history: dict[str, list[float]] = {key: [] for key in HISTORY_KEYS}
    order_rng = np.random.default_rng(config["seed"])
    total = epochs * math.ceil(len(x_train) / batch_size)
    with torch.random.fork_rng(), progress_bar(total, progress, "fashion_cnn (torch)") as bar:
        torch.manual_seed(config["seed"])
        model = _network()
        optimizer = torch.optim.Adam(model.parameters(), lr=config["learning_rate"])
        for _epoch in range(epochs):
            model.train()
            loss_sum, correct = 0.0, 0
            order = order_rng.permutation(len(x_train))
            for start in range(0, len(x_train), batch_size):
                batch = order[start : start + batch_size]
                images, labels = torch.from_numpy(x_train[batch]), torch.from_numpy(y_train[batch])
                optimizer.zero_grad()
                logits = model(images)
                loss = F.cross_entropy(logits, labels)
                loss.backward()
                optimizer.step()
                loss_sum += loss.item() * len(batch)
                correct += int((logits.argmax(1) == labels).sum())
                bar.update()
            val_loss, val_accuracy = _evaluate(model, x_test, y_test)
            history["loss"].append(loss_sum / len(x_train))
            history["accuracy"].append(correct / len(x_train))
            history["val_loss"].append(val_loss)
            history["val_accuracy"].append(val_accuracy)
            bar.set_postfix(loss=f"{history['loss'][-1]:.3f}", val_accuracy=f"{val_accuracy:.3f}")
    return model.eval(), history


def save(model: nn.Module, directory: Path) -> None:
    torch.save(model.state_dict(), directory / WEIGHTS_FILE)


def load(directory: Path, config: dict[str, Any]) -> nn.Sequential:
    """The trained network saved in ``directory``, in evaluation mode."""
    model = _network()
    model.load_state_dict(torch.load(directory / WEIGHTS_FILE, weights_only=True))
    return model.eval()
