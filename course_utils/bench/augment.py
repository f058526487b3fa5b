"""Lesson 06: images per second of one augmentation recipe in four libraries, at 128 and 224 px."""
from __future__ import annotations

from ..augment.throughput import dataloader_throughput, library_throughput
from . import Row, benchmark


@benchmark("augment")
def augment_bench() -> list[Row]:
    """Augmentation throughput per library (OpenCV, torchvision v2, imgaug, Keras) at 128 and 224 px."""
    rows: list[Row] = []
    for r in library_throughput(sizes=(128, 224), n=32, repeat=5):
        rows.append((f"{r['library']} {r['size']} px, {r['how']} (median of 5)", r["img_s"], "img/s"))
    for k, rate in dataloader_throughput(size=128, n=128, workers=(0, 2), repeat=3).items():
        rows.append((f"torchvision 128 px in a DataLoader, num_workers={k}", rate, "img/s"))
    return rows
