"""course_utils: the helper package behind the Small & Fast notebooks.

Importing this package is cheap and never imports TensorFlow or PyTorch: framework code
lives in its own modules (``course_utils.models.keras_models`` ...), imported on use.

The names most notebooks need are available at the top level::

    import course_utils as cu
    cu.setup_notebook()             # seed + banner
    cu.fast_mode()                  # COURSE_FAST set?
    cu.show_images(images, titles)  # an image grid (imports matplotlib on first use)
"""
from __future__ import annotations

from importlib import import_module

from .frameworks import in_child
from .modes import data_dir, fast_mode, offline_mode, pick
from .notebook import setup_notebook, source_of
from .seeding import seed_everything

__version__ = "0.1.0"

# Names resolved on first use (PEP 562), so that `import course_utils` stays light.
_LAZY = {"show_images": "plotting"}


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module 'course_utils' has no attribute {name!r}")


__all__ = ["data_dir", "fast_mode", "in_child", "offline_mode", "pick", "seed_everything",
           "setup_notebook", "show_images", "source_of", "__version__"]
