"""Build the course website and its slides from the committed notebooks, offline.

    python book/build.py site      [--out _build/site]     Jupyter Book 1 (Sphinx + myst-nb): <out>/html
    python book/build.py slides    [--out _build/slides]   reveal.js decks (nbconvert)
    python book/build.py linkcheck [--out _build/linkcheck] external links (needs the network)

Nothing is executed: the outputs committed in the notebooks are the truth (``execute_notebooks:
off``). Everything a page or a deck loads comes from the build folder itself: MathJax,
RequireJS, the widget manager and reveal.js are copied from ``book/node_modules`` (installed by
``npm ci`` from ``book/package-lock.json``), and README's two external badges are replaced by
local copies. The site is built from a staged copy of the repository's documents
(``<out>/src``) so that the checkout gets no ``_config.yml``, ``_toc.yml`` or ``_static/``.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

BOOK = Path(__file__).resolve().parent
ROOT = BOOK.parent
NODE = BOOK / "node_modules"
sys.path.insert(0, str(ROOT))

from course_utils.syllabus import SYLLABUS  # noqa: E402  (plumbing: imports nothing else)

REPO_URL = "https://github.com/small-and-fast/course"
# Documents of the site beside the notebooks, in the order of the "Reference" part.
REFERENCE_DOCS = ("REFERENCES.md", "datasets/README.md", "INSTRUCTORS.md", "CONTRIBUTING.md",
                  "course_utils/transfer/weights/MODEL_CARD.md", "LICENSE-CONTENT.md")
# External images in the documents, replaced by local files (a page must load nothing remote).
LOCAL_BADGES = {
    "https://mybinder.org/badge_logo.svg": "book/badges/binder.svg",
    "https://colab.research.google.com/assets/colab-badge.svg": "book/badges/colab.svg",
}
# What the pages and decks load, copied from node_modules into <site>/_static/course-vendor.
VENDOR = {
    "mathjax": ("mathjax/es5", ["tex-mml-chtml.js", "input", "output/chtml", "ui", "a11y", "sre"]),
    "require": ("requirejs", ["require.js"]),
    "widgets": ("@jupyter-widgets/html-manager/dist",
                ["embed-amd.js"] + [f"*.{ext}" for ext in ("woff", "woff2", "ttf", "eot", "svg")]),
    "reveal.js": ("reveal.js", ["dist/reveal.js", "dist/reveal.css", "dist/theme/white.css",
                                "dist/plugin/notes.js", "LICENSE"]),
}
MD_IMAGE = re.compile(r"!\[([^\]]*)\]\(([^)\s]+)\)")
MD_LINK = re.compile(r"\[([^\]]*)\]\(([^)\s]+)\)")


def lessons():
    return [lesson for lesson in SYLLABUS if lesson.ready]


# ------------------------------------------------------------------------------- vendoring
def vendor(dest: Path, parts=("mathjax", "require", "widgets", "anywidget")) -> None:
    """Copy the front-end assets the pages need from node_modules into ``dest``.

    ``anywidget`` comes from the pinned Python package instead: its classic-notebook extension
    is the AMD module the widget manager asks RequireJS for (lesson 08's camera widget); without
    it the manager falls back to fetching the module from a CDN, which an offline page cannot.
    """
    if "anywidget" in parts:
        import anywidget

        amd = Path(anywidget.__file__).parent / "nbextension" / "index.js"
        (dest / "anywidget").mkdir(parents=True, exist_ok=True)
        shutil.copy2(amd, dest / "anywidget" / "index.js")
        parts = tuple(p for p in parts if p != "anywidget")
    if not NODE.is_dir():
        sys.exit(f"{NODE} is missing: run `make site` (it runs `npm ci` in book/ first)")
    for name in parts:
        src_dir, patterns = VENDOR[name]
        for pattern in patterns:
            matches = sorted((NODE / src_dir).glob(pattern))
            if not matches:
                sys.exit(f"vendor {name}: nothing matches {src_dir}/{pattern} in {NODE}")
            for src in matches:
                target = dest / name / src.relative_to(NODE / src_dir)
                target.parent.mkdir(parents=True, exist_ok=True)
                if src.is_dir():
                    shutil.copytree(src, target, dirs_exist_ok=True,
                                    ignore=shutil.ignore_patterns("*.map", "*.d.ts"))
                else:
                    shutil.copy2(src, target)


# ------------------------------------------------------------------------------- the site
def site_documents() -> list[str]:
    """Every document of the site, repository-relative, in navigation order."""
    docs = ["README.md"]
    docs += [lesson.notebook for lesson in lessons()]
    docs += [lesson.exercises for lesson in lessons()]
    docs += [lesson.exercises.replace("exercises/", "solutions/", 1) for lesson in lessons()]
    docs += [doc for doc in REFERENCE_DOCS if (ROOT / doc).exists()]
    return docs


def toc_yaml() -> str:
    """The table of contents (sphinx-external-toc, jb-book format), in syllabus order."""
    def entry(path: str, title: str | None = None) -> str:
        line = f"      - file: {os.path.splitext(path)[0]}"
        return line + (f"\n        title: {json.dumps(title, ensure_ascii=False)}" if title else "")

    parts = [
        ("Lessons", [entry(l.notebook) for l in lessons()]),
        ("Exercises (student version)", [entry(l.exercises, f"{l.number} · {l.title}: exercises")
                                         for l in lessons()]),
        ("Solutions", [entry(l.exercises.replace("exercises/", "solutions/", 1),
                             f"{l.number} · {l.title}: solutions") for l in lessons()]),
        ("Reference", [entry(doc) for doc in REFERENCE_DOCS if (ROOT / doc).exists()]),
    ]
    lines = ["format: jb-book", "root: README", "parts:"]
    for caption, chapters in parts:
        lines += [f"  - caption: {json.dumps(caption)}", "    chapters:", *chapters]
    return "\n".join(lines) + "\n"


def stage_markdown(text: str, doc: str, stage: Path) -> str:
    """README's external badges become local images; a relative link to a repository file that
    is not a page (LICENSE, a module, registry.json) is staged too, so Sphinx makes it a download."""
    def image(match: re.Match) -> str:
        label, target = match.groups()
        if not target.startswith(("http://", "https://")):
            return match.group(0)
        if target not in LOCAL_BADGES:
            sys.exit(f"{doc}: external image {target} would be fetched from the network; "
                     "add a local copy to LOCAL_BADGES in book/build.py")
        local = os.path.relpath(ROOT / LOCAL_BADGES[target], (ROOT / doc).parent)
        (stage / LOCAL_BADGES[target]).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / LOCAL_BADGES[target], stage / LOCAL_BADGES[target])
        return f"![{label}]({local})"

    def link(match: re.Match) -> str:
        path = match.group(2).split("#")[0]
        if path and "://" not in path and not path.startswith("mailto:"):
            src = ((ROOT / doc).parent / path).resolve()
            if src.is_file() and src.is_relative_to(ROOT):
                dest = stage / src.relative_to(ROOT)
                if not dest.exists():
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(src, dest)
        return match.group(0)

    text = MD_IMAGE.sub(image, text)
    MD_LINK.sub(link, text)
    return text


def stage_site(stage: Path) -> None:
    """Copy the documents into ``stage`` with the Jupyter Book configuration beside them."""
    if stage.exists():
        shutil.rmtree(stage)
    stage.mkdir(parents=True)
    for doc in site_documents():
        src, dest = ROOT / doc, stage / doc
        dest.parent.mkdir(parents=True, exist_ok=True)
        if doc.endswith(".md"):
            dest.write_text(stage_markdown(src.read_text(encoding="utf-8"), doc, stage), encoding="utf-8")
        else:
            nb = json.loads(src.read_text(encoding="utf-8"))
            for cell in nb["cells"]:
                if cell["cell_type"] == "markdown":
                    stage_markdown("".join(cell["source"]), doc, stage)  # stages linked files
            shutil.copy2(src, dest)
    shutil.copy2(BOOK / "_config.yml", stage / "_config.yml")
    (stage / "_toc.yml").write_text(toc_yaml(), encoding="utf-8")
    shutil.copytree(BOOK / "_static", stage / "_static")  # Jupyter Book links every .js/.css in it
    shutil.copytree(BOOK / "_ext", stage / "_ext", ignore=shutil.ignore_patterns("__pycache__"))


def build_site(out: Path, builder: str = "html") -> Path:
    stage = out / "src"
    t0 = time.monotonic()
    stage_site(stage)
    cmd = [str(Path(sys.executable).parent / "jupyter-book"), "build", str(stage),
           "--path-output", str(out), "--builder", builder, "--keep-going"]
    if builder == "html":
        cmd.append("--warningiserror")  # a broken internal link fails the build
    print("+", " ".join(cmd), flush=True)
    result = subprocess.run(cmd, cwd=ROOT)
    html = out / "_build" / builder
    if result.returncode != 0 and builder == "html":
        sys.exit(f"jupyter-book build failed ({result.returncode})")
    if builder == "html":
        shutil.rmtree(out / "html", ignore_errors=True)
        html = html.rename(out / "html")  # the site: <out>/html/index.html
        # Not in the book's _static: Jupyter Book would add every .js in it to every page.
        vendor(html / "_static" / "course-vendor")
        pages = sorted(p for p in html.rglob("*.html") if "_static" not in p.parts)
        size = sum(p.stat().st_size for p in html.rglob("*") if p.is_file())
        print(f"site: {len(pages)} pages, {size / 2**20:.1f} MiB in {html}, "
              f"built in {time.monotonic() - t0:.0f} s")
    else:
        print(f"{builder}: report in {html / 'output.txt'} (exit code {result.returncode})")
    return html


# ------------------------------------------------------------------------------- the slides
def build_slides(out: Path, only: list[str] | None = None) -> list[Path]:
    """One reveal.js deck per ready lesson, next to a copy of reveal.js and the other assets."""
    from nbconvert import SlidesExporter
    from traitlets.config import Config

    out.mkdir(parents=True, exist_ok=True)
    vendor(out / "vendor", parts=("mathjax", "require", "widgets", "anywidget", "reveal.js"))
    c = Config()
    c.SlidesExporter.reveal_url_prefix = "vendor/reveal.js"
    c.SlidesExporter.reveal_theme = "white"
    c.SlidesExporter.reveal_transition = "none"
    c.SlidesExporter.reveal_number = "c/t"
    c.SlidesExporter.require_js_url = "vendor/require/require.js"
    c.SlidesExporter.mathjax_url = "vendor/mathjax/tex-mml-chtml.js"
    c.SlidesExporter.widget_renderer_url = "vendor/widgets/embed-amd.js"
    c.SlidesExporter.jupyter_widgets_base_url = "vendor/widgets/"
    c.SlidesExporter.exclude_input_prompt = True
    c.SlidesExporter.exclude_output_prompt = True
    exporter = SlidesExporter(config=c, extra_template_basedirs=[str(BOOK / "templates")],
                              template_name="course_reveal")
    decks = []
    for lesson in lessons():
        if only and lesson.number not in only:
            continue
        body, _ = exporter.from_filename(str(ROOT / lesson.notebook))
        deck = out / f"{lesson.number}_{lesson.slug}.slides.html"
        deck.write_text(body, encoding="utf-8")
        decks.append(deck)
        print(f"slides: {deck}")
    items = "\n".join(f'<li><a href="{d.name}">{l.number} · {l.title}</a></li>'
                      for d, l in zip(decks, [l for l in lessons() if not only or l.number in only]))
    (out / "index.html").write_text(
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,">'
        "<title>Small &amp; Fast: lecture slides</title></head>\n<body><h1>Small &amp; Fast: lecture slides"
        f"</h1>\n<p>reveal.js decks; press <kbd>S</kbd> for the speaker notes.</p>\n<ul>\n{items}\n</ul>\n"
        "</body></html>\n", encoding="utf-8")
    return decks


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("what", choices=("site", "slides", "linkcheck"))
    parser.add_argument("--out", type=Path, help="output folder (default: _build/<what>)")
    parser.add_argument("--only", nargs="*", help="slides: lesson numbers, e.g. --only 04")
    args = parser.parse_args(argv)
    out = (args.out or ROOT / "_build" / args.what).resolve()
    if args.what == "site":
        build_site(out)
    elif args.what == "slides":
        build_slides(out, args.only)
    else:
        build_site(out, builder="linkcheck")


if __name__ == "__main__":
    main()
