"""A small Sphinx extension for the course website (loaded by book/_config.yml).

sphinx-thebe (which Jupyter Book 1 always loads) registers its inline configuration script
once per read of the environment; Jupyter Book reads it twice, so every page declared
``const THEBE_JS_URL`` twice and raised a SyntaxError in the browser. Keep one copy of each
script.

The widget manager (``@jupyter-widgets/html-manager``'s embed-amd.js, served from
``_static/course-vendor/widgets``) loads its icon fonts from where RequireJS says its modules
live, by default beside the page. A RequireJS path, set just before the manager loads, points
there instead. Its output widgets typeset with MathJax 2's ``MathJax.Hub.Queue``; the site loads
MathJax 3, so a two-line stand-in forwards that call to ``MathJax.typesetPromise``.
"""
from __future__ import annotations

from sphinx.builders.html._assets import _JavaScript

WIDGET_PATHS = """
(function () {
  var vendor = document.documentElement.dataset.content_root + '_static/course-vendor/widgets';
  require.config({paths: {'@jupyter-widgets': vendor, '@jupyter-widgets/html-manager/dist': vendor}});
  var hub = {Queue: function () { var mj = window.MathJax; if (mj && mj.typesetPromise) mj.typesetPromise(); }};
  function install() {
    var mj = window.MathJax;
    if (mj && !mj.Hub) { try { Object.defineProperty(mj, 'Hub', {value: hub, configurable: true}); } catch (e) {} }
  }
  install();
  var n = 0, timer = setInterval(function () { install(); if (++n > 200) clearInterval(timer); }, 50);
})();
"""


def _dedupe_scripts(app, pagename, templatename, context, doctree) -> None:
    seen, kept = set(), []
    for script in context.get("script_files", []):
        filename = getattr(script, "filename", script) or None  # None and "" both mean inline
        key = (str(filename), repr(sorted(getattr(script, "attributes", {}).items())))
        if key not in seen:
            seen.add(key)
            kept.append(script)
    for i, script in enumerate(kept):
        if str(getattr(script, "filename", "") or "").endswith("widgets/embed-amd.js"):
            kept.insert(i, _JavaScript(None, body=WIDGET_PATHS))
            break
    context["script_files"] = kept



def setup(app):
    app.connect("html-page-context", _dedupe_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
