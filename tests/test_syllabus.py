"""Notebook 00's course map links every written lesson, lecture and exercises, and nothing else."""
import re

from conftest import ROOT
from course_utils.syllabus import SYLLABUS, course_map_markdown


def test_course_map_links_every_written_lesson_and_its_exercises():
    table = course_map_markdown()
    rows = [ln for ln in table.splitlines() if re.match(r"\| \d\d \|", ln)]
    assert len(rows) == len(SYLLABUS)
    for lesson, row in zip(SYLLABUS, rows):
        links = re.findall(r"\]\(\.\./([^)]+)\)", row)
        if lesson.ready:
            assert links == [lesson.notebook, lesson.exercises], row
            assert all((ROOT / link).exists() for link in links), f"a link of lesson {lesson.number} is broken"
        else:
            assert links == [] and "coming" in row, row
