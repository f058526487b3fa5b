"""Every number in a lecture's prose is true: the claims check (issue 29).

A *quantitative* number in a markdown cell (a decimal, an integer of three or more digits, or
a number with a unit or %) must be one of

(a) a value printed in an output of the same notebook, after rounding to the digits the prose
    gives (so the prose cannot drift from the run beside it);
(b) a published number, attributed in the same sentence or table (a reference marker ``[3]``
    or an author/year such as "Howard et al. 2017");
(c) a definitional constant or parameter that appears as a literal in a code cell;
(d) an exemption listed, with its reason, in ``tests/claims_exemptions.toml``.

The parser knows percentages (prose 70.5 % against an output 0.705), thousands separators
(1,239), M/K/G suffixes and the words million/thousand/billion, and ranges ("4.5-6.2",
"72–85 s"): a range must contain the outputs it summarises, so each end must be an output
value that lies inside the range and rounds to that end.

Years, dates, versions ("Python 3.11"), arXiv ids, DOIs, links and the References section are
not claims. Run ``python tests/claims.py notebooks/06_augmentation.ipynb`` to list the offending
sentences of one notebook.
"""
from __future__ import annotations

import bisect
import html
import json
import math
import re
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

EXEMPTIONS = Path(__file__).with_name("claims_exemptions.toml")

# ---------------------------------------------------------------------------- numbers
_NUM = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+"
SUFFIX = {"k": 1e3, "K": 1e3, "M": 1e6, "G": 1e9, "thousand": 1e3, "million": 1e6, "billion": 1e9}
# Units that make a small integer quantitative. Longest first so "ms" wins over "m".
UNITS = sorted("""% ms µs us ns s sec seconds min minutes h hours px pixels MB GB KB kB MiB GiB KiB TB
bytes B fps Hz MHz GHz FLOPs GFLOPs MFLOPs TFLOPs FLOP MACs MAC × x points pp °""".split(),
               key=len, reverse=True)
_UNIT = "|".join(re.escape(u) for u in UNITS)
_SUF = r"(?:thousand|million|billion|[kKMG](?![a-zA-Z]))"
TOKEN = re.compile(
    rf"(?<![\w.,/@#:])(?P<sign>[-−+±])?(?P<num>{_NUM})"
    rf"(?:\s?(?P<suf>{_SUF}))?"
    rf"(?:\s?(?P<unit>{_UNIT})(?![a-zA-Z0-9]))?")
RANGE_SEP = re.compile(r"\s*(?:-|–|—|to)\s*$")
DIMENSION = re.compile(r"\s?[×x]\s?\d")  # 3×3, 224x224: a shape, not a ratio


@dataclass(frozen=True)
class Number:
    """One number as written: its text, value (suffix applied) and the step of its last digit."""

    text: str
    value: float
    step: float  # 10^-decimals, times the suffix
    unit: str = ""
    percent: bool = False
    raw: float = 0.0  # the digits as written, without the suffix

    @property
    def quantitative(self) -> bool:
        digits = re.sub(r"\D", "", self.text.split(".")[0])
        return "." in self.text or len(digits) >= 3 or bool(self.unit) or self.percent


def parse_number(num: str, suf: str | None = None, unit: str | None = None) -> Number:
    """The value and precision of ``num`` ("1,239", "0.705", "568.7") with an optional suffix."""
    plain = num.replace(",", "")
    decimals = len(plain.split(".")[1]) if "." in plain else 0
    mult = SUFFIX.get(suf or "", 1.0)
    return Number(text=num + (f" {suf}" if suf else "") + (f" {unit}" if unit else ""),
                  value=float(plain) * mult, step=10.0 ** -decimals * mult,
                  unit=unit or "", percent=unit in ("%", "points", "pp"), raw=float(plain))


def numbers(text: str) -> list[tuple[Number, Number | None, int]]:
    """Every number in ``text`` as (number, range end or None, position); ranges pair up."""
    found, out, skip = list(TOKEN.finditer(text)), [], set()
    for i, m in enumerate(found):
        if i in skip:
            continue
        unit = m.group("unit")
        if unit in ("×", "x") and DIMENSION.match(text, m.end("num") if not m.group("suf") else m.end("suf")):
            unit = None
        n = parse_number(m.group("num"), m.group("suf"), unit)
        end = None
        if i + 1 < len(found):
            nxt = found[i + 1]
            gap = text[m.end():nxt.start()]
            if RANGE_SEP.fullmatch(gap) or (nxt.group("sign") in ("-",) and gap.strip() == ""):
                if gap.strip() == "" and nxt.group("sign"):
                    gap = "-"
                if gap.strip() in ("-", "–", "—", "to") and not _is_date(text, m.start(), nxt.end()):
                    unit2, suf2 = nxt.group("unit"), nxt.group("suf")
                    if unit2 in ("×", "x") and DIMENSION.match(text, nxt.end("num")):
                        unit2 = None
                    end = parse_number(nxt.group("num"), suf2 or m.group("suf"), unit2 or unit)
                    if not n.unit and not m.group("suf"):  # "4.5-6.2 ms": the unit applies to both
                        n = parse_number(m.group("num"), suf2, unit2)
                    skip.add(i + 1)
        out.append((n, end, m.start()))
    return out


def _is_date(text: str, start: int, end: int) -> bool:
    return bool(re.fullmatch(r"(?:19|20)\d\d-\d\d(?:-\d\d)?", text[start:end]))


def _is_year(n: Number) -> bool:
    return not n.unit and n.step == 1.0 and 1900 <= n.value <= 2100 and "," not in n.text


# ---------------------------------------------------------------------------- prose
NOT_CLAIMS = [
    re.compile(r"!?\[[^\]]*\]\([^)]*\)"),                     # links and images: keep the text below
    re.compile(r"<https?://[^>]*>|https?://\S+"),
    re.compile(r"<[^>]+>"),                                    # html tags
    re.compile(r"arXiv:\s?\d{4}\.\d{4,5}(?:v\d)?", re.I),
    re.compile(r"\b10\.\d{4,9}/\S+"),                          # DOIs
    re.compile(r"\b(?:19|20)\d\d-\d\d(?:-\d\d)?\b"),           # dates
    re.compile(r"\b\d{1,2}:\d\d(?::\d\d)?\b"),                 # clock times
    re.compile(r"\b\d+(?:\.\d+){2,}\b"),                       # versions 4.10.0
    re.compile(r"\b(?:Python|Keras|TensorFlow|TF|PyTorch|torch|torchvision|OpenCV|NumPy|SciPy|"
               r"scikit-learn|sklearn|skimage|scikit-image|onnxruntime|ONNX|opset|TFLite|LiteRT|"
               r"Jupyter\w*|nbval|nbgrader|CUDA|Ubuntu|Debian|version|v)\s?\d+(?:\.\d+)*\b"),
    re.compile(r"[§#]\s?\d+(?:\.\d+)*"),                       # sections, issue numbers
    re.compile(r"^\s*#+\s*\d+(?:\.\d+)*\.?", re.M),                 # numbered headings "### 5.1"
    re.compile(r"\b(?:Table|Tables|Figure|Fig\.|Section|Sec\.|eq\.|equation|equations)\s?\d+(?:\.\d+)*(?:[–-]\d+)?",
               re.I),
]
HEADER_TIME = re.compile(r"\s*\*\*CPU time")
LINK_TEXT = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
ABBREV = re.compile(r"\b(et al|e\.g|i\.e|cf|vs|Fig|Eq|approx|resp|no)\.", re.I)
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z(*\"“])")
CITATION = re.compile(
    r"\[\d+(?:\s*[,–-]\s*\d+)*\]"                                              # [3], [1, 4]
    r"|\b[A-Z][\w'’-]+(?:\s+et al\.?|\s+(?:&|and)\s+[A-Z][\w'’-]+)?,?\s+\(?(?:19|20)\d\d\b")


def _clean(text: str) -> str:
    text = LINK_TEXT.sub(lambda m: m.group(1), text)
    for pattern in NOT_CLAIMS:
        text = pattern.sub(lambda m: " " * len(m.group(0)), text)
    return text


@dataclass
class Sentence:
    cell: int
    text: str
    attributed: bool


def sentences(cell_index: int, source: str) -> list[Sentence]:
    """Split one markdown cell into sentences; a table is one unit, a list item is a paragraph."""
    out: list[Sentence] = []
    blocks, table = [], []
    for line in source.splitlines():
        if line.lstrip().startswith("|"):
            table.append(line)
            continue
        if table:
            blocks.append(("table", "\n".join(table)))
            table = []
        blocks.append(("line", line))
    if table:
        blocks.append(("table", "\n".join(table)))
    paragraph: list[str] = []

    def flush():
        if paragraph:
            para = " ".join(paragraph)
            protected = ABBREV.sub(lambda m: m.group(1) + "\0", para)
            for s in SENTENCE_END.split(protected):
                s = s.replace("\0", ".")
                out.append(Sentence(cell_index, s, bool(CITATION.search(s))))
            paragraph.clear()

    for kind, text in blocks:
        if kind == "table":
            flush()
            attributed = bool(CITATION.search(text))
            out.extend(Sentence(cell_index, row, attributed) for row in text.splitlines())
        elif not text.strip() or re.match(r"\s*(?:[-*+]|\d+\.)\s|\s*#|\s*>", text):
            flush()
            if text.strip():
                paragraph.append(re.sub(r"^\s*(?:[-*+]|\d+\.)\s|^\s*#+\s*(?:\d+(?:\.\d+)*\.?\s)?|^\s*>\s?", "", text))
        else:
            paragraph.append(text.strip())
    flush()
    return out


# ---------------------------------------------------------------------------- outputs and code
def _output_text(output: dict) -> str:
    if output.get("output_type") == "stream":
        return "".join(output.get("text", ""))
    data = output.get("data", {})
    parts = []
    for mime in ("text/plain", "text/markdown", "text/latex"):
        if mime in data:
            parts.append("".join(data[mime]))
    if "text/html" in data:
        parts.append(html.unescape(re.sub(r"<[^>]+>", " ", "".join(data["text/html"]))))
    return "\n".join(parts)


OUT_TOKEN = re.compile(rf"(?<![\w.])[-−]?(?P<num>{_NUM}|\d+(?:\.\d+)?e[-+]?\d+)(?:\s?(?P<suf>{_SUF}))?"
                       r"(?:\s?(?P<pct>%))?")


# A number with one of these units in prose must come from an output that mentions the unit
# (a timing must match a timing, not any 6 printed anywhere); other units match any output.
UNIT_BOUND = {"ms": "ms", "µs": "µs|us", "us": "µs|us", "ns": "ns", "s": "s|sec|seconds", "sec": "s|sec|seconds",
              "seconds": "s|sec|seconds", "min": "min|minutes", "minutes": "min|minutes", "fps": "fps|FPS",
              "MB": "MB", "GB": "GB", "KB": "KB|kB", "kB": "KB|kB", "MiB": "MiB", "GiB": "GiB", "Hz": "Hz",
              "MHz": "MHz", "GHz": "GHz"}


def output_values(texts: list[str], unit: str | None = None) -> list[float]:
    """Every number in the outputs: as printed, with its suffix, as a percentage and as a fraction.

    With ``unit``, only lines that mention that unit (as a word) count, or every line of an output
    whose first line (a table header) mentions it."""
    values = set()
    if unit is not None:  # keep the lines that name the unit, or whose table header (first line) does
        word = re.compile(rf"(?<![A-Za-z])(?:{UNIT_BOUND[unit]})(?![A-Za-z])")
        texts = [t if word.search(t.split("\n", 1)[0]) else "\n".join(x for x in t.splitlines() if word.search(x))
                 for t in texts]
    for text in texts:
        for m in OUT_TOKEN.finditer(text):
            try:
                raw = float(m.group("num").replace(",", ""))
            except ValueError:
                continue
            values.add(raw)
            if m.group("suf"):
                values.add(raw * SUFFIX[m.group("suf")])
            if abs(raw) <= 1.5:
                values.add(raw * 100)  # a fraction printed, a percentage in prose
            if m.group("pct"):
                values.add(raw / 100)
    return sorted(abs(v) for v in values)


CODE_LITERAL = re.compile(r"(?<![\w.])(\d[\d_]*(?:\.\d+)?(?:e[-+]?\d+)?)")


def code_values(sources: list[str]) -> set[float]:
    values = set()
    for src in sources:
        for m in CODE_LITERAL.finditer(src):
            try:
                values.add(float(m.group(1).replace("_", "")))
            except ValueError:
                pass
    return values


# ---------------------------------------------------------------------------- matching
def _near(values: list[float], lo: float, hi: float) -> bool:
    i = bisect.bisect_left(values, lo)
    return i < len(values) and values[i] <= hi


def matches_output(n: Number, values: list[float]) -> bool:
    """True when an output value rounds (half up) to ``n`` at the precision it is written with."""
    half = n.step / 2 * (1 + 1e-9)
    if _near(values, abs(n.value) - half, abs(n.value) + half):
        return True
    # "1,204 K floats" against a table column headed "(K)" that prints 1,204
    scale = n.value / n.raw if n.raw else 1.0
    return scale != 1.0 and _near(values, abs(n.raw) - half / scale, abs(n.raw) + half / scale)


def range_contains(lo: Number, hi: Number, values: list[float]) -> bool:
    """Each end is an output that rounds to it and lies inside the range (lo <= y, y <= hi).

    So "5-6 points" for outputs 4.5 and 6.2 fails: 4.5 rounds to 5 but lies outside."""
    eps = 1e-9
    a, b = sorted((abs(lo.value), abs(hi.value)))
    low_ok = _near(values, a * (1 - eps) - eps, a + lo.step / 2 * (1 + eps))
    high_ok = _near(values, b - hi.step / 2 * (1 + eps), b * (1 + eps) + eps)
    return low_ok and high_ok


TIMING = {"ms", "µs", "us", "ns", "s", "sec", "seconds", "min", "minutes", "h", "hours", "fps"}


def in_code(n: Number, code: set[float]) -> bool:
    """``n`` is a literal of some code cell, with or without its suffix (224 px, 128 MB, 1.0).

    Never for a timing or a rate: "about 6 ms" is a measurement, not a parameter, however many
    6s the code holds."""
    if n.unit in TIMING:
        return False
    xs = (n.value, n.raw, n.raw / 100) if n.unit == "%" else (n.value, n.raw)  # 99 % and keep=0.99
    return any(math.isclose(abs(x), v, rel_tol=1e-12) for x in xs for v in code)


@dataclass
class Finding:
    cell: int
    number: str
    sentence: str
    reason: str


@dataclass
class Report:
    path: str
    checked: int = 0
    by_rule: dict = field(default_factory=lambda: {"output": 0, "cited": 0, "code": 0, "exempt": 0})
    findings: list[Finding] = field(default_factory=list)
    exemptions_used: set = field(default_factory=set)


def load_exemptions(path: Path = EXEMPTIONS) -> list[dict]:
    if not path.exists():
        return []
    entries = tomllib.loads(path.read_text())["exempt"]
    for e in entries:
        missing = {"notebook", "number", "context", "reason"} - set(e)
        if missing:
            raise ValueError(f"{path}: exemption {e} lacks {sorted(missing)}")
    return entries


def _exempt(nb_name: str, n_text: str, sentence: str, exemptions: list[dict]) -> int | None:
    for i, e in enumerate(exemptions):
        if (e["notebook"] in ("*", nb_name) and e["number"] == n_text.replace("  ", " ")
                and e["context"] in sentence):
            return i
    return None


LOCAL = False  # True: only outputs of the same "## " section (too strict: summaries quote across sections)


def _sections(nb: dict) -> list:
    """The ``## `` section of each cell; None for the header, the Summary and the closing cells,
    whose sentences may quote any output of the notebook."""
    out, current = [], None
    for c in nb["cells"]:
        if c["cell_type"] == "markdown":
            m = re.search(r"^##\s+(.*)$", "".join(c["source"]), re.M)
            if m:
                title = m.group(1).strip()
                current = None if re.match(r"(Summary|References|Exercises|What next)", title, re.I) else title
        out.append(current)
    return out


def _prose_cells(nb: dict) -> list[tuple[int, str]]:
    """Markdown cells up to the References heading (citations are not claims)."""
    cells = []
    for i, c in enumerate(nb["cells"]):
        if c["cell_type"] != "markdown":
            continue
        src = "".join(c["source"])
        ref = re.search(r"^#+\s*References\b", src, re.M)
        if ref:
            cells.append((i, src[:ref.start()]))
            break
        cells.append((i, src))
    return cells


def check(path: str | Path, exemptions: list[dict] | None = None) -> Report:
    """Check every quantitative number in the prose of one notebook (see the module docstring)."""
    path = Path(path)
    nb = json.loads(path.read_text())
    exemptions = load_exemptions() if exemptions is None else exemptions
    code_cells = [c for c in nb["cells"] if c["cell_type"] == "code"]
    section = _sections(nb)
    all_texts = [_output_text(o) for c in code_cells for o in c.get("outputs", [])]
    code = code_values(["".join(c["source"]) for c in code_cells])
    report = Report(str(path))
    stem = path.stem
    cache: dict = {}
    for index, source in _prose_cells(nb):
        key = section[index] if LOCAL else None
        texts = all_texts if key is None else [
            _output_text(o) for j, c in enumerate(nb["cells"]) if c["cell_type"] == "code"
            and section[j] == key for o in c.get("outputs", [])]
        for s in sentences(index, source):
            if HEADER_TIME.match(s.text):
                continue  # checked against the run's own timestamps by tests/test_syllabus_times.py
            cleaned = _clean(s.text)
            for n, end, _ in numbers(cleaned):
                if end is None and (not n.quantitative or _is_year(n)):
                    continue
                if end is not None and not (n.quantitative or end.quantitative):
                    continue
                report.checked += 1
                shown = n.text if end is None else f"{n.text.split(' ')[0]}-{end.text}"
                unit = (end or n).unit if (end or n).unit in UNIT_BOUND else None
                if (key, unit) not in cache:
                    cache[key, unit] = output_values(texts, unit)
                outs = cache[key, unit]
                if end is None:
                    ok_out = matches_output(n, outs)
                    ok_code = in_code(n, code)
                else:
                    ok_out = range_contains(n, end, outs)
                    ok_code = in_code(n, code) and in_code(end, code)
                if ok_out:
                    report.by_rule["output"] += 1
                elif s.attributed:
                    report.by_rule["cited"] += 1
                elif ok_code:
                    report.by_rule["code"] += 1
                else:
                    hit = _exempt(stem, shown, s.text, exemptions)
                    if hit is not None:
                        report.by_rule["exempt"] += 1
                        report.exemptions_used.add(hit)
                        continue
                    why = ("range does not contain outputs that round to its ends" if end is not None
                           else "in no output (after rounding), code cell or attributed sentence")
                    report.findings.append(Finding(index, shown, s.text.strip(), why))
    return report


def main(argv: list[str]) -> int:
    bad = 0
    for arg in argv or sorted(str(p) for p in Path("notebooks").glob("0[0-7]_*.ipynb")):
        r = check(arg)
        print(f"{arg}: {r.checked} numbers checked ({r.by_rule}), {len(r.findings)} unsupported")
        for f in r.findings:
            print(f"  cell {f.cell}: {f.number!r} — {f.reason}\n      {f.sentence[:300]}")
        bad += len(r.findings)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
