"""The same hand-pose experiment in PyTorch: the course backbone's weights in a torch copy
of the course CNN, features cached once, a Dropout + Linear head trained with early stopping.

The torch CNN pads like Keras ("same" at stride 1 is symmetric), so the Keras weights
(converted by ``load_keras_weights``) give the same features: the two frameworks start from
the same point and differ only in the head's training loop.
:func:`torchvision_backbone` is the ImageNet path (``torchvision.models.*(weights="DEFAULT")``,
cached under ``$TORCH_HOME/hub/checkpoints``).
"""
from __future__ import annotations

# PyTorch is imported inside each function: importing this module stays light.

import time

import numpy as np

from ..data.validate import check_count, check_images, check_labels
from ..seeding import check_seed

TORCHVISION_BACKBONES = ("mobilenet_v2", "mobilenet_v3_small", "resnet50", "vgg16", "shufflenet_v2_x1_0")


def torch_course_cnn():
    """The course CNN in PyTorch, layer for layer as :func:`.backbones.vanilla_cnn` (NCHW)."""
    from torch import nn

    layers, c_in = [], 3
    for c_out in (32, 64, 128, 256):
        # Keras' "same" 3x3 at stride 1 pads one pixel on every side; BatchNorm epsilon is Keras' 1e-3
        layers += [nn.Conv2d(c_in, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out, eps=1e-3),
                   nn.ReLU(), nn.MaxPool2d(2)]
        c_in = c_out
    return nn.Sequential(*layers)


def course_weights_as_arrays(task: str = "gestures") -> list[tuple[str, str, list[np.ndarray]]]:
    """The shipped course-CNN weights read from their ``.h5`` file with h5py, without TensorFlow.

    Returns ``[(name, kind, arrays)]`` for conv1, bn1, ..., conv4, bn4, the form
    :func:`course_utils.models.torch_layers.load_keras_weights` takes: kernels ``(3, 3, in, out)``,
    BatchNorm ``[gamma, beta, moving_mean, moving_variance]``, each ``(C,)``.
    """
    import h5py

    from . import WEIGHTS_DIR
    from .backbone import weights_file

    path = WEIGHTS_DIR / weights_file(task)
    if not path.is_file():
        raise FileNotFoundError(f"no shipped weights {path}: `make pretrain` writes them")
    with h5py.File(path, "r") as f:  # Keras 3's layout: layers/<layer>/vars/<i>, the layer's name an attribute
        by_name = {g["vars"].attrs["name"]: [np.asarray(g["vars"][str(i)]) for i in range(len(g["vars"]))]
                   for g in f["layers"].values() if "vars" in g and "name" in g["vars"].attrs}
    wanted = [(f"{prefix}{i}", kind) for i in range(1, 5) for prefix, kind in (("conv", "Conv2D"), ("bn", "BatchNormalization"))]
    missing = [name for name, _ in wanted if name not in by_name]
    if missing:
        raise ValueError(f"{path.name} has no weights for {missing}: not a course-CNN weights file")
    return [(name, kind, by_name[name]) for name, kind in wanted]


def torch_course_backbone(keras_backbone=None, task: str = "gestures"):
    """The course CNN in PyTorch holding the course weights (eval mode, NCHW, inputs in [-1, 1]).

    ``keras_backbone``: a Keras course backbone to copy from; by default the shipped weights are
    read straight from their file (:func:`course_weights_as_arrays`), so no TensorFlow is needed.
    """
    from ..models.torch_layers import load_keras_weights

    source = course_weights_as_arrays(task) if keras_backbone is None else keras_backbone
    return load_keras_weights(torch_course_cnn(), source).eval()


def torchvision_weights(name: str = "mobilenet_v2", *, url: str | None = None, deadline: float | None = None,
                        progress: bool = False):
    """The ImageNet checkpoint of torchvision's ``name`` in PyTorch Hub's cache
    (``$TORCH_HOME/hub/checkpoints``), downloaded once by the course's downloader
    (:func:`course_utils.data.transfer.download`: connect and stall timeouts, an overall
    ``deadline``, the hash in the file name checked, nothing half-written kept).

    With ``COURSE_OFFLINE=1`` a missing file is a ``DownloadError`` at once, saying where to
    put it by hand. ``url``: another address for the file (a mirror, or a test server).
    """
    import re
    from pathlib import Path

    import torch
    import torchvision

    from ..data.atomic import remove_dead_temporaries
    from ..data.extract import DownloadError
    from ..data.transfer import default_deadline, download
    from ..modes import offline_mode

    check_torchvision_name(name)
    best = torchvision.models.get_model_weights(name).DEFAULT
    url = url or best.url
    path = Path(torch.hub.get_dir()) / "checkpoints" / url.rsplit("/", 1)[-1]
    if path.is_file():
        return path
    hashed = re.search(r"-([a-f0-9]{8,})\.", path.name)
    if hashed is None:
        raise ValueError(f"expected a checkpoint named <model>-<sha256 prefix>.pth, got {path.name!r}")
    by_hand = f"Or download {url} by hand (on a machine with a network) and save it as {path}."
    if offline_mode():
        raise DownloadError(f"COURSE_OFFLINE=1: not downloading the ImageNet weights of {name} "
                            f"({path.name}); offline mode forbids all network use. {by_hand}")
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_dead_temporaries(path, "part")
    size = int(best.meta.get("_file_size", 600) * 1e6)   # MB, as torchvision records it
    download(url, path, hashed.group(1), None, deadline=default_deadline(size) if deadline is None else deadline,
             progress=progress, help_text=by_hand)
    return path


def check_torchvision_name(name: str) -> str:
    if name not in TORCHVISION_BACKBONES:
        raise ValueError(f"name must be one of {TORCHVISION_BACKBONES}, got {name!r}")
    return name


def torchvision_backbone(name: str = "mobilenet_v2", weights: str | None = "DEFAULT", *,
                         url: str | None = None, deadline: float | None = None):
    """A torchvision model's convolutional part; ``weights="DEFAULT"`` is its ImageNet checkpoint,
    fetched by :func:`torchvision_weights` (offline mode and a deadline obeyed), ``None`` random."""
    import torch
    import torchvision
    from torch import nn

    check_torchvision_name(name)
    if weights not in ("DEFAULT", None):
        raise ValueError(f"weights must be 'DEFAULT' (ImageNet) or None (random), got {weights!r}")
    model = getattr(torchvision.models, name)(weights=None)
    if weights == "DEFAULT":
        path = torchvision_weights(name, url=url, deadline=deadline)
        try:
            model.load_state_dict(torch.load(path, map_location="cpu", weights_only=True))
        except Exception as err:
            raise ValueError(f"{path} does not hold {name}'s ImageNet weights ({type(err).__name__}); "
                             "delete it to download it again") from None
    if name == "resnet50":
        return nn.Sequential(*list(model.children())[:-2])
    if name == "shufflenet_v2_x1_0":
        return nn.Sequential(*list(model.children())[:-1])
    return model.features


def to_nchw(images: np.ndarray, *, scaled: bool = True):
    """uint8 ``(N, H, W, 3)`` in [0, 255] -> float32 tensor ``(N, 3, H, W)`` in [-1, 1]
    (``scaled=False``: left in [0, 255], what :func:`handpose_module` takes)."""
    import torch

    images = check_images(images, allow_empty=True)
    x = torch.from_numpy(np.ascontiguousarray(images.transpose(0, 3, 1, 2))).float()
    return x / 127.5 - 1.0 if scaled else x


def torch_features(backbone, images: np.ndarray, batch: int = 64):
    """Global-average-pooled features ``(N, C)`` (a tensor) of uint8 images, computed once."""
    import torch

    check_images(images)
    check_count(batch, "batch")
    backbone.eval()
    with torch.inference_mode():
        return torch.cat([backbone(to_nchw(images[i:i + batch])).mean(dim=(2, 3))
                          for i in range(0, len(images), batch)])


def train_torch_head(features, labels: np.ndarray, val_features, val_labels: np.ndarray, *,
                     classes: int = 3, epochs: int = 200, patience: int = 20, seed: int = 0) -> tuple:
    """Dropout(0.2) -> Linear on cached features ``(N, C)``, Adam 3e-3, batch 64, early stopping
    on validation loss (best weights kept); returns ``(head, history)``."""
    import torch
    from torch import nn

    features, val_features = (_check_features(f, n) for f, n in ((features, "features"), (val_features, "val_features")))
    if features.shape[1] != val_features.shape[1]:
        raise ValueError(f"features and val_features must have one width, got {features.shape} and {val_features.shape}")
    classes = check_count(classes, "classes", minimum=2)
    labels = check_labels(labels, n=len(features), classes=classes)
    val_labels = check_labels(val_labels, n=len(val_features), classes=classes, name="val_labels")
    check_count(epochs, "epochs")
    check_count(patience, "patience")
    torch.manual_seed(check_seed(seed))
    head = nn.Sequential(nn.Dropout(0.2), nn.Linear(features.shape[1], classes))
    opt = torch.optim.Adam(head.parameters(), lr=3e-3)
    y, yv = torch.as_tensor(labels), torch.as_tensor(val_labels)
    best, best_state, waited, history = float("inf"), None, 0, {"loss": [], "val_loss": []}
    gen = torch.Generator().manual_seed(seed)
    for _ in range(epochs):
        head.train()
        order = torch.randperm(len(y), generator=gen)
        total = 0.0
        for i in range(0, len(y), 64):
            idx = order[i:i + 64]
            loss = nn.functional.cross_entropy(head(features[idx]), y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
        head.eval()
        with torch.no_grad():
            val = float(nn.functional.cross_entropy(head(val_features), yv))
        history["loss"].append(total / len(y))
        history["val_loss"].append(val)
        if val < best - 1e-4:
            best, waited = val, 0
            best_state = {k: v.clone() for k, v in head.state_dict().items()}
        else:
            waited += 1
            if waited >= patience:
                break
    head.load_state_dict(best_state)
    return head.eval(), history


def _check_features(features, name: str):
    """``features`` as a float32 tensor ``(N, C)`` of finite numbers, N >= 1, or a ValueError."""
    import torch

    f = torch.as_tensor(np.asarray(features) if not isinstance(features, torch.Tensor) else features)
    if f.ndim != 2 or len(f) == 0 or not f.is_floating_point():
        raise ValueError(f"{name} must be a non-empty float (N, C) array or tensor, got shape {tuple(f.shape)}, {f.dtype}")
    if not torch.isfinite(f).all():
        raise ValueError(f"{name} must be finite: NaN or inf found (a backbone fed bad images?)")
    return f.float()


def handpose_module(backbone, head):
    """One ``nn.Module``: NCHW float input in [0, 255] -> backbone -> GAP -> head -> logits."""
    from torch import nn

    class TorchHandpose(nn.Module):
        def __init__(self):
            super().__init__()
            self.backbone, self.head = backbone, head

        def forward(self, x):
            return self.head(self.backbone(x / 127.5 - 1.0).mean(dim=(2, 3)))

    return TorchHandpose()


def train_torch_handpose(x, y, xv, yv, x_test, y_test, *, seed: int = 0, keras_backbone=None) -> dict:
    """Frozen course backbone + head in PyTorch; returns model, accuracy, seconds, history."""
    import torch

    start = time.perf_counter()
    backbone = torch_course_backbone(keras_backbone)
    classes = int(max(np.max(y), np.max(yv))) + 1
    head, history = train_torch_head(torch_features(backbone, x), y, torch_features(backbone, xv), yv,
                                     classes=classes, seed=seed)
    seconds = time.perf_counter() - start
    model = handpose_module(backbone, head).eval()
    with torch.inference_mode():
        pred = torch.cat([model(to_nchw(x_test[i:i + 128]) * 127.5 + 127.5).argmax(1)
                          for i in range(0, len(x_test), 128)]).numpy()
    return {"model": model, "accuracy": float(np.mean(pred == y_test)), "seconds": seconds,
            "history": history, "predictions": pred}


def predict_torch(model, images: np.ndarray, batch: int = 256) -> np.ndarray:
    """Softmax probabilities ``(N, C)`` of a :func:`handpose_module` on uint8 ``(N, S, S, 3)`` images."""
    import torch

    check_images(images)
    check_count(batch, "batch")
    model.eval()
    with torch.inference_mode():
        return torch.cat([torch.softmax(model(to_nchw(images[i:i + batch], scaled=False)), 1)
                          for i in range(0, len(images), batch)]).numpy()

