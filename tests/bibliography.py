"""One bibliography (issue 29): the identifiers of a reference entry, so that a notebook's
References and REFERENCES.md can be compared by what they point at (a DOI, an arXiv id, a
link), not by how they are typeset."""
from __future__ import annotations

import re

DOI = re.compile(r"(?:doi\.org/|doi:\s*)(10\.\d{4,9}/[^\s>)\]]+)", re.I)
ARXIV = re.compile(r"(?:arXiv:\s*|arxiv\.org/(?:abs|pdf)/)(\d{4}\.\d{4,5})", re.I)
URL = re.compile(r"https?://[^\s>)\]]+", re.I)


def identifiers(entry: str) -> set[str]:
    """DOIs, arXiv ids and other links of one entry, normalised ("doi:10.1109/...", "arxiv:1704.04861",
    "url:keras.io/api/applications/mobilenet")."""
    found = {"doi:" + d.lower().rstrip(".,;") for d in DOI.findall(entry)}
    found |= {"arxiv:" + a for a in ARXIV.findall(entry)}
    for url in URL.findall(entry):
        if re.search(r"doi\.org|arxiv\.org", url, re.I):
            continue
        url = re.sub(r"^https?://(?:www\.)?", "", url.rstrip(".,;")).rstrip("/").lower()
        found.add("url:" + url)
    return found


def bibliography_entries(text: str) -> list[str]:
    """The numbered entries of REFERENCES.md (an item plus its indented continuation lines)."""
    return [" ".join(e.split()) for e in re.findall(r"^\d+\. (.*(?:\n {3,}.*)*)", text, re.M)]


def title(entry: str) -> str:
    """The entry's title (its first *italic* part), lower-case letters and digits only."""
    m = re.search(r"\*([^*]+)\*", entry)
    return re.sub(r"[^a-z0-9]", "", m.group(1).lower()) if m else ""


def matches(entry: str, candidate: str) -> bool:
    """Same work: a shared DOI, arXiv id or link, or the same title with no DOI that disagrees."""
    a, b = identifiers(entry), identifiers(candidate)
    dois_a, dois_b = {i for i in a if i.startswith("doi:")}, {i for i in b if i.startswith("doi:")}
    if dois_a and dois_b and not dois_a & dois_b:
        return False  # both give a DOI and they differ: a DOI that disagrees is an error, not a match
    if a & b:
        return True
    return bool(title(entry)) and title(entry) == title(candidate)


def without_also(entry: str) -> str:
    """A REFERENCES.md entry as a notebook lists it: without the "(also 05, 07)" cross-references."""
    entry = re.sub(r"\s*\(also [0-9, ]+\)", "", entry)
    return re.sub(r";\s*also [0-9, ]+\)", ")", entry).strip()
