"""The course map: one table, read by notebook 00 and checked against the README.

Whether a lesson is written is a column of the table (``ready``), not a look at the file
system, so the map is the same in a checkout, a pip install or on Colab; a test checks the
column against the notebooks in the repository.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Lesson:
    number: str
    slug: str
    title: str
    goal: str
    cpu_minutes: str  # full mode on a 2-core laptop CPU
    ready: bool = False  # the lecture notebook is written and runs in CI

    @property
    def notebook(self) -> str:
        return f"notebooks/{self.number}_{self.slug}.ipynb"

    @property
    def exercises(self) -> str:
        return f"exercises/{self.number}_{self.slug}_exercises.ipynb"

    @property
    def available(self) -> bool:
        """True when the lesson is written (the ``ready`` column)."""
        return self.ready


SYLLABUS = (
    Lesson("00", "welcome", "Welcome & setup",
           "check the environment, learn the modes, the exercises and the data", "< 1", ready=True),
    Lesson("01", "hog_svm", "HOG + SVM",
           "build HOG from scratch, train a face detector, slide windows, bag of words", "1", ready=True),
    Lesson("02", "viola_jones", "Viola–Jones",
           "integral images, Haar features, AdaBoost, the attentional cascade", "< 1", ready=True),
    Lesson("03", "conv_cost", "The cost of a convolution",
           "count MACs and parameters three ways; theory vs this CPU", "< 1", ready=True),
    Lesson("04", "mobilenet_v1", "MobileNet v1 internals",
           "build v1 in Keras and PyTorch; reproduce the width x resolution table", "< 1", ready=True),
    Lesson("05", "mobilenet_v2", "MobileNet v2 internals",
           "inverted residuals, linear bottlenecks, ShuffleNet's channel shuffle", "1.5", ready=True),
    Lesson("06", "augmentation", "Preprocessing & augmentation",
           "normalise, denoise, augment with OpenCV, torchvision, imgaug and Keras", "5", ready=True),
    Lesson("07", "transfer_learning", "Transfer learning",
           "compare backbones and heads, freeze or fine-tune, meet domain shift", "4", ready=True),
    Lesson("08", "deployment", "On-device deployment",
           "TFLite float/int8, ONNX, size and latency budgets", "4.5", ready=True),
    Lesson("09", "detection", "Small and fast detection",
           "train a small SSDLite and race it against HOG + SVM on hand scenes", "7.5", ready=True),
)


def course_map_markdown() -> str:
    """The syllabus as a Markdown table: every written lesson links its lecture and its exercises
    (paths relative to ``notebooks/``); lessons still being written say "coming"."""
    rows = ["| # | lesson | exercises | you will | CPU time (min) |", "|---|---|---|---|---|"]
    for lesson in SYLLABUS:
        if lesson.available:
            name = f"[{lesson.title}](../{lesson.notebook})"
            exercises = f"[exercises](../{lesson.exercises})"
        else:
            name, exercises = f"{lesson.title} (coming)", "coming"
        rows.append(f"| {lesson.number} | {name} | {exercises} | {lesson.goal} | {lesson.cpu_minutes} |")
    return "\n".join(rows)
