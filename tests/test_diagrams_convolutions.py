"""The convolution diagrams: they draw, their boxes match the arguments, bad arguments are refused."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from course_utils import plotting  # noqa: E402
from course_utils.diagrams import convolutions as conv  # noqa: E402


def count(ax, gid: str) -> int:
    return sum(p.get_gid() == gid for p in ax.patches)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.mark.parametrize("kind, c_in, c_out, kernels, squares, outputs", [
    ("standard", 3, 4, 4, 12, 4),     # N kernels of M slices
    ("standard", 5, 2, 2, 10, 2),
    ("depthwise", 3, 4, 3, 3, 3),     # one single-slice kernel per input channel; c_out ignored
    ("depthwise", 6, 1, 6, 6, 6),
    ("pointwise", 3, 4, 4, 12, 4),
    ("pointwise", 2, 7, 7, 14, 7),
])
def test_box_counts_follow_the_arguments(kind, c_in, c_out, kernels, squares, outputs):
    ax = conv.draw_convolution(kind, c_in, c_out, k=3)
    assert (count(ax, "input"), count(ax, "kernel"), count(ax, "output")) == (c_in, squares, outputs)
    assert f"{kernels} kernels" in " ".join(t.get_text() for t in ax.texts)


def test_titles_give_the_macs_per_position():
    axes = conv.draw_convolution_kinds(c_in=3, c_out=4, k=5)
    assert [a.get_title() for a in axes] == ["standard: 5·5·3·4 MACs per output position",
                                             "depthwise: 5·5·3 MACs per output position",
                                             "pointwise: 3·4 MACs per output position"]


def test_draws_on_the_given_axes():
    _, ax = plt.subplots()
    assert conv.draw_convolution("depthwise", ax=ax) is ax
    assert conv.draw_separable_block(ax=ax) is ax


@pytest.mark.parametrize("kwargs", [dict(kind="grouped"), dict(c_in=0), dict(c_out=13), dict(k=2),
                                    dict(k=0), dict(c_in=2.0)])
def test_bad_arguments_raise(kwargs):
    with pytest.raises(ValueError, match="must be"):
        conv.draw_convolution(**kwargs)


def test_separable_block_has_three_plus_six_layers():
    ax = conv.draw_separable_block(32, 64, stride=2)
    assert count(ax, "layer") == 9
    texts = [t.get_text() for t in ax.texts]
    assert "3×3 depthwise\n32 ch, s2" in texts and "1×1 conv\n32→64" in texts
    assert texts.count("ReLU6") == 3 and texts.count("BatchNorm") == 3
    with pytest.raises(ValueError, match="stride 1 or 2"):
        conv.draw_separable_block(32, 64, stride=3)


def test_v2_block_is_the_plotting_function():
    assert conv.draw_inverted_residual is plotting.draw_inverted_residual
    ax = conv.draw_inverted_residual(24, 6, 24, stride=1)
    assert "t = 6" in ax.get_title()
