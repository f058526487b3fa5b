"""A small Sphinx extension for the course website (loaded by book/_config.yml).

sphinx-thebe (which Jupyter Book 1 always loads) registers its inline configuration script
once per read of the environment; Jupyter Book reads it twice, so every page declared
``const THEBE_JS_URL`` twice and raised a SyntaxError in the browser. Keep one copy of each
script.

The widget manager (``@jupyter-widgets/html-manager``'s embed-amd.js, served from
``_static/course-vendor/widgets``) loads its icon fonts from where RequireJS says its modules
live, by default beside the page. A RequireJS path, set just before the manager loads, points
there instead. Its output widgets typeset with MathJax 2's ``MathJax.Hub.Queue``; the site loads
MathJax 3, so a two-line stand-in forwards that call to ``MathJax.typesetPromise``. The same
RequireJS paths name the vendored ``anywidget`` module (lesson 08's camera widget), which the
manager would otherwise fetch from a CDN.

The manager is 3.6 MB of JavaScript. Loaded as a plain ``<script>`` it held up every page with a
widget (lessons 03-08) by about half a second before the page counted as loaded. It is added
after the page's ``load`` event instead: the manager renders at once when the document is
already complete, so the widgets appear a moment later and the text does not wait for them.
MathJax (1 MB, then its fonts) is added the same way on the pages with math (lessons 03-05):
it typesets the whole page when it starts, whenever that is.
"""
from __future__ import annotations

from sphinx.builders.html._assets import _JavaScript

WIDGET_PATHS = """
(function () {
  var root = document.documentElement.dataset.content_root + '_static/course-vendor/';
  var vendor = root + 'widgets';
  require.config({paths: {'@jupyter-widgets': vendor, '@jupyter-widgets/html-manager/dist': vendor,
                          'anywidget': root + 'anywidget/index'}});
  var hub = {Queue: function () { var mj = window.MathJax; if (mj && mj.typesetPromise) mj.typesetPromise(); }};
  function install() {
    var mj = window.MathJax;
    if (mj && !mj.Hub) { try { Object.defineProperty(mj, 'Hub', {value: hub, configurable: true}); } catch (e) {} }
  }
  install();
  var n = 0, timer = setInterval(function () { install(); if (++n > 200) clearInterval(timer); }, 50);
  function manager() {
    var script = document.createElement('script');
    script.src = vendor + '/embed-amd.js';
    document.head.appendChild(script);
  }
  if (document.readyState === 'complete') manager(); else window.addEventListener('load', manager);
})();
"""


AFTER_LOAD = """
(function () {
  var src = %r;
  function add() { var s = document.createElement('script'); s.src = src; document.head.appendChild(s); }
  if (document.readyState === 'complete') add(); else window.addEventListener('load', add);
})();
"""


def _after_load(script, context) -> _JavaScript:
    """An inline script that adds ``script`` once the page has loaded (the URL Sphinx gives it)."""
    filename = str(script.filename)
    url = filename if "://" in filename else context["pathto"](filename, resource=True)
    return _JavaScript(None, body=AFTER_LOAD % url)


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
            kept[i] = _JavaScript(None, body=WIDGET_PATHS)  # it loads the manager after `load`
        elif str(getattr(script, "filename", "") or "").endswith("mathjax/tex-mml-chtml.js"):
            kept[i] = _after_load(script, context)
    context["script_files"] = kept



def setup(app):
    app.connect("html-page-context", _dedupe_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
