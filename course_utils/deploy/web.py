"""The third deployment target: lesson 08's classifier in a web page (``make web``).

The page (``web/`` in the repository: ``index.html``, ``game.js``, ``opponent.js``, ``style.css``) runs the
``.onnx`` file with onnxruntime-web on WebAssembly. The runtime comes from npm, pinned by ``web/package.json``
and ``web/package-lock.json`` (``npm ci`` checks their integrity hashes), and is copied next to the page, so
the built folder works offline under ``python -m http.server`` and never loads anything from a CDN.

:func:`build_page` assembles the folder from an ``.onnx`` file; :func:`classifier_page` (PyTorch; call it
through :func:`course_utils.frameworks.in_child` from a TensorFlow kernel) exports a saved lesson-07
classifier first; ``python -m course_utils.deploy.web --out _build/web`` (what ``make web`` runs) trains the
classifier when no ``--model`` is given.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np

from ..data.atomic import folder_mode

PAGE_FILES = ("index.html", "game.js", "opponent.js", "style.css")
# ort.wasm.min.js: the WebAssembly-only build; it imports the .mjs, which loads the .wasm (SIMD, threads when
# the page is cross-origin isolated, one thread otherwise)
RUNTIME_FILES = ("ort.wasm.min.js", "ort-wasm-simd-threaded.mjs", "ort-wasm-simd-threaded.wasm")
INSTALL_NODE = ("node and npm are needed to fetch onnxruntime-web: `sudo apt-get install nodejs npm` "
                "(Debian/Ubuntu), `brew install node` (macOS) or https://nodejs.org; then `make web`")


def source_folder() -> Path:
    """The page's sources in the repository (``web/``); a ValueError when the package runs outside a checkout."""
    folder = Path(__file__).resolve().parents[2] / "web"
    if not all((folder / name).is_file() for name in PAGE_FILES):
        raise ValueError(f"the page's sources ({', '.join(PAGE_FILES)}) are not in {folder}: "
                         "build the page from a clone of the course repository")
    return folder


def runtime_folder(source: Path | None = None) -> Path:
    """``web/node_modules/onnxruntime-web/dist``, or a ValueError saying how to install it."""
    dist = Path(source or source_folder()) / "node_modules" / "onnxruntime-web" / "dist"
    missing = [name for name in RUNTIME_FILES if not (dist / name).is_file()]
    if missing:
        hint = INSTALL_NODE if shutil.which("npm") is None else "run `make web` (npm ci in web/)"
        raise ValueError(f"onnxruntime-web is not installed ({', '.join(missing)} missing from {dist}): {hint}")
    return dist


def _png(image: np.ndarray, path: Path) -> None:
    from PIL import Image

    Image.fromarray(np.asarray(image, np.uint8)).save(path, format="PNG")


def build_page(folder: str | os.PathLike, onnx_path: str | os.PathLike, *, classes, size: int,
               samples: tuple[np.ndarray, np.ndarray] | None = None, source: str | os.PathLike | None = None) -> Path:
    """Write the page, its runtime, the model and ``model.json`` into ``folder`` (replaced whole).

    ``onnx_path``: a float32 model taking ``(1, 3, size, size)`` RGB in [0, 255] and returning ``(1, classes)``
    logits. ``samples``: optional ``(images (N, size, size, 3) uint8, labels (N,))``, the page's "sample hand"
    fallback. The folder is assembled next to its target and renamed into place, so a failed build never
    leaves half a page. Returns the folder.
    """
    onnx_path = Path(onnx_path)
    if not onnx_path.is_file():
        raise ValueError(f"no .onnx file at {onnx_path}")
    classes = [str(c) for c in classes]
    if len(classes) < 2 or not isinstance(size, int) or size < 1:
        raise ValueError(f"need at least two class names and a positive int size, got {classes}, {size!r}")
    src = Path(source) if source is not None else source_folder()
    dist = runtime_folder(src)
    target = Path(folder).expanduser().absolute()
    if target.exists() and not target.is_dir():
        raise ValueError(f"{target} is a file: the page needs a folder of its own")
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.building-", dir=target.parent))
    try:
        for name in PAGE_FILES:
            shutil.copyfile(src / name, tmp / name)
        for name in RUNTIME_FILES:
            shutil.copyfile(dist / name, tmp / name)
        shutil.copyfile(onnx_path, tmp / "handpose.onnx")
        listed = []
        if samples is not None:
            images, labels = samples
            (tmp / "samples").mkdir()
            for i, (image, label) in enumerate(zip(images, labels)):
                _png(image, tmp / "samples" / f"{i:02d}_{classes[int(label)]}.png")
                listed.append({"file": f"samples/{i:02d}_{classes[int(label)]}.png", "label": classes[int(label)]})
        meta = {"model": "handpose.onnx", "classes": classes, "size": size, "samples": listed,
                "bytes": (tmp / "handpose.onnx").stat().st_size}
        (tmp / "model.json").write_text(json.dumps(meta, indent=1))
        os.chmod(tmp, folder_mode())
        old = None
        if target.exists():
            old = target.parent / f".{target.name}.old-{os.getpid()}"
            os.replace(target, old)
        os.replace(tmp, target)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


def sample_hands(size: int, per_class: int = 2, seed: int = 1000) -> tuple[np.ndarray, np.ndarray]:
    """A few held-out generated hands (plain background) for the page's fallback, ``per_class`` of each class."""
    from ..data.handpose import make_hands

    images, labels, _ = make_hands(3 * per_class * 4, size, "plain", seed=seed)
    keep = np.concatenate([np.flatnonzero(labels == k)[:per_class] for k in range(3)])
    return images[keep], labels[keep]


def classifier_page(classifier: str | os.PathLike, folder: str | os.PathLike, *, samples: bool = True) -> dict:
    """Export a saved lesson-07 classifier (``handpose.pt``) to ONNX and build the page from it (PyTorch).

    Returns plain data: ``folder``, ``onnx`` (its path inside the folder), ``kb``, ``size``, ``classes``.
    """
    from ..transfer.finetune import load_classifier
    from .onnx_export import export_onnx

    model, size, classes = load_classifier(classifier)
    with tempfile.TemporaryDirectory() as work:
        onnx = export_onnx(model, Path(work) / "handpose.onnx", (3, size, size))
        out = build_page(folder, onnx, classes=classes, size=size, samples=sample_hands(size) if samples else None)
    return {"folder": str(out), "onnx": str(out / "handpose.onnx"), "kb": (out / "handpose.onnx").stat().st_size / 1024,
            "size": int(size), "classes": tuple(classes)}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m course_utils.deploy.web", description=__doc__.split("\n")[0])
    parser.add_argument("--out", default="_build/web", help="the folder to build (replaced)")
    parser.add_argument("--model", help="a saved classifier (handpose.pt); default: train lesson 07's (~90 s)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    runtime_folder()   # fail before training when the runtime is missing
    model = args.model
    if model is None:
        from ..transfer.finetune import FINETUNE_FULL, save_classifier, train_finished_classifier
        from ..data.handpose import CLASSES

        print("training lesson 07's classifier (the full recipe, about 90 s on 2 cores)...", flush=True)
        result = train_finished_classifier(FINETUNE_FULL, seed=args.seed)
        print(f"held-out accuracy {result['accuracy']:.3f} on {len(result['test'][1])} generated hands", flush=True)
        work = Path(tempfile.mkdtemp(prefix="course-web-"))
        model = save_classifier(result["model"], work / "handpose.pt", size=FINETUNE_FULL.size, classes=CLASSES)
    built = classifier_page(model, args.out)
    print(f"built {built['folder']}: model {built['kb']:.0f} KB; serve it with "
          f"`python -m http.server -d {built['folder']} 8000` and open http://localhost:8000")


if __name__ == "__main__":
    main()


__all__ = ["PAGE_FILES", "RUNTIME_FILES", "build_page", "classifier_page", "runtime_folder", "sample_hands",
           "source_folder"]
