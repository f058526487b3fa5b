"""Which weights a backbone starts from: the course's shipped ones, ImageNet's, or none.

* ``weights="course"`` (the offline default): the course CNN (four 3x3 conv + BatchNorm +
  ReLU + 2x2 max-pool stages, 32-64-128-256 channels, :func:`.backbones.vanilla_cnn`),
  pretrained by ``make pretrain`` on eight hand gestures that are not rock, paper or
  scissors (:mod:`.gestures`) and shipped in ``course_utils/transfer/weights/`` with its
  model card. (MobileNet v1 0.25 trained from scratch on the same task for the same five
  minutes memorised its training images: 85% training accuracy, 16% held out; see the card.)
* ``weights="imagenet"``: the real thing, ``keras.applications.MobileNet(alpha=0.25,
  weights="imagenet")`` (downloads once into Keras' cache, ``$KERAS_HOME/models`` or
  ``~/.keras/models``). Refused in offline mode unless the file is already in the cache.
* ``weights=None``: the course CNN, randomly initialised (training from scratch).

Every backbone takes inputs scaled to [-1, 1] and returns its last feature map:
``(N, size/16, size/16, 256)`` for the course CNN, ``(N, size/32, size/32, 256)`` for
MobileNet 0.25. :func:`source_model` is the source-task network (backbone + GAP + Dense(8)).
"""
from __future__ import annotations

import numbers
import os
import sys
from pathlib import Path

from . import WEIGHTS_DIR

ALPHA = 0.25
SIZE = 96
TASK = "gestures"  # the default course backbone's source task
LAST_LAYER = "pool4"
WEIGHT_CHOICES = ("course", "imagenet", None)
KERAS_RESOLUTIONS = (128, 160, 192, 224)  # keras.applications.MobileNet's weight files


def weights_file(task: str = TASK) -> str:
    """File name of the shipped weights pretrained on ``task``."""
    if task not in ("gestures", "glyphs"):
        raise ValueError(f"task must be 'gestures' or 'glyphs', got {task!r}")
    return f"course_cnn_{task}.weights.h5"


def keras_imagenet_filename(alpha: float = ALPHA, size: int = SIZE, include_top: bool = False) -> str:
    """The file name ``keras.applications.MobileNet(weights="imagenet")`` downloads.

    Keras keeps one file per (alpha, resolution) and uses the 224 one for other sizes.
    """
    alpha_text = {1.0: "1_0", 0.75: "7_5", 0.5: "5_0", 0.25: "2_5"}.get(alpha)
    if alpha_text is None:
        raise ValueError(f"ImageNet MobileNet weights exist for alpha 1.0, 0.75, 0.5, 0.25, got {alpha!r}")
    rows = size if size in KERAS_RESOLUTIONS else 224
    return f"mobilenet_{alpha_text}_{rows}_tf{'' if include_top else '_no_top'}.h5"


def keras_cache_dir() -> Path:
    """Where Keras looks for downloaded weights: ``$KERAS_HOME/models`` (default ``~/.keras``)."""
    if "keras" in sys.modules:   # Keras read KERAS_HOME when it was imported: ask it
        from keras.src.backend.config import keras_home

        return Path(keras_home()) / "models"
    home = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    return Path(home) / "models"


def _check(weights, size: int) -> None:
    if weights not in WEIGHT_CHOICES:
        raise ValueError(f"weights must be one of {WEIGHT_CHOICES}, got {weights!r}")
    # the course CNN halves its input four times, an ImageNet MobileNet five times
    step = 32 if weights == "imagenet" else 16
    if isinstance(size, bool) or not isinstance(size, numbers.Integral) or size < 32 or size % step:
        raise ValueError(f"size must be a multiple of {step} and >= 32 (pixels per side) for "
                         f"weights={weights!r}, got {size!r}")


def imagenet_available(alpha: float = ALPHA, size: int = SIZE) -> tuple[bool, str]:
    """``(True, "")`` if ImageNet weights can be had now, else ``(False, reason)``."""
    from ..modes import offline_mode

    path = keras_cache_dir() / keras_imagenet_filename(alpha, size)
    if path.exists():
        return True, ""
    if offline_mode():
        return False, (f"offline mode and {path.name} is not in {path.parent}; with a network, "
                       f"keras.applications downloads it (about {1 if alpha <= 0.5 else 13} MB) once")
    return True, ""


def keras_imagenet_weights(alpha: float = ALPHA, size: int = SIZE, *, url: str | None = None,
                           deadline: float | None = None) -> Path:
    """The ImageNet MobileNet file ``keras.applications`` wants, in Keras' cache; a missing one is
    downloaded by the course's downloader (:func:`course_utils.data.transfer.download`: offline
    mode, connect and stall timeouts, an overall ``deadline``). Keras publishes no hash for these
    files, so they are not verified. ``url``: another address (a mirror, a test server)."""
    from ..data.atomic import remove_dead_temporaries
    from ..data.extract import DownloadError
    from ..data.transfer import default_deadline, download

    path = keras_cache_dir() / keras_imagenet_filename(alpha, size)
    if path.is_file():
        return path
    ok, why = imagenet_available(alpha, size)
    if not ok:
        raise DownloadError(f"ImageNet weights are not available: {why}")
    if url is None:
        from keras.src.applications.mobilenet import BASE_WEIGHT_PATH

        url = BASE_WEIGHT_PATH + path.name
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_dead_temporaries(path, "part")
    download(url, path, None, None, deadline=default_deadline(20_000_000) if deadline is None else deadline,
             progress=False, help_text=f"Or download {url} by hand and save it as {path}.")
    return path


def source_model(weights: str | None = "course", size: int = SIZE, task: str = TASK):
    """The source-task network: backbone -> GAP -> Dense(8, softmax), on [-1, 1] inputs.

    ``weights="course"`` loads the shipped file (the exact network ``make pretrain`` saved).
    """
    import keras

    from .backbones import vanilla_cnn

    if weights not in ("course", None):
        raise ValueError(f"source_model takes weights='course' or None, got {weights!r}")
    _check(weights, size)
    base = vanilla_cnn(size)
    x = keras.layers.GlobalAveragePooling2D(name="gap")(base.output)
    out = keras.layers.Dense(8, activation="softmax", name="source_probs")(x)  # both tasks have 8 classes
    model = keras.Model(base.input, out, name=f"course_{task}_mobilenet")
    if weights == "course":
        path = WEIGHTS_DIR / weights_file(task)
        if not path.exists():
            raise FileNotFoundError(f"{path} is missing; run `make pretrain` to regenerate it")
        model.load_weights(path)
    return model


def course_backbone(weights: str | None = "course", size: int = SIZE, *, alpha: float = ALPHA,
                    task: str = TASK):
    """A backbone without top: ``(N, size, size, 3)`` in [-1, 1] -> last feature map.

    ``weights`` is ``"course"`` (the shipped course CNN), ``"imagenet"`` (MobileNet v1 with
    width ``alpha`` through ``keras.applications``) or ``None`` (the course CNN, random).
    """
    import keras

    _check(weights, size)
    if weights == "imagenet":
        ok, why = imagenet_available(alpha, size)
        if not ok:
            raise RuntimeError(f"ImageNet weights are not available: {why}")
        keras_imagenet_weights(alpha, size)   # Keras then finds it in its cache: no download of its own
        base = keras.applications.MobileNet(input_shape=(size, size, 3), alpha=alpha,
                                            include_top=False, weights="imagenet")
        return keras.Model(base.input, base.output, name="mobilenet_imagenet")
    full = source_model(weights, size, task)
    return keras.Model(full.input, full.get_layer(LAST_LAYER).output,
                       name=f"course_cnn_{task}" if weights == "course" else "course_cnn_random")


def plant_keras_cache(model, filename: str, cache_dir: str | os.PathLike | None = None) -> Path:
    """Write ``model``'s weights in the legacy HDF5 layout Keras' weight downloads use.

    This is how a classroom without a network (or a test) puts a weights file where
    ``keras.applications`` looks, so ``weights="imagenet"`` loads it instead of downloading.
    Returns the file's path.
    """
    import h5py
    from keras.src.legacy.saving.legacy_h5_format import save_weights_to_hdf5_group

    from ..data.atomic import atomic_path

    folder = Path(cache_dir) if cache_dir is not None else keras_cache_dir()
    if not isinstance(filename, str) or not filename or "/" in filename or filename in (".", ".."):
        raise ValueError(f"filename must be a plain file name, got {filename!r}")
    with atomic_path(folder / filename, "part", create_parent=True) as tmp, h5py.File(tmp, "w") as f:
        save_weights_to_hdf5_group(f, model)
    return folder / filename
