"""The classical diagrams draw what their arguments say, and reject bad arguments."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from course_utils.diagrams.classical import draw_cascade, draw_hog_layout  # noqa: E402


def count(ax, gid):
    return sum(p.get_gid() == gid for p in ax.patches)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.mark.parametrize("n_cells, block, stride, bins", [((5, 5), 2, 1, 9), ((3, 4), 3, 1, 6), ((4, 6), 2, 2, 4)])
def test_hog_layout_draws_one_cell_and_histogram_per_cell(n_cells, block, stride, bins):
    ax = draw_hog_layout(n_cells, cells_per_block=block, block_stride=stride, orientations=bins)
    rows, cols = n_cells
    assert count(ax, "cell") == rows * cols
    assert count(ax, "bar") == rows * cols * bins
    assert count(ax, "block") == (2 if cols > block else 1)
    blocks = [p for p in ax.patches if p.get_gid() == "block"]
    if len(blocks) == 2:  # the second block starts one stride to the right
        assert blocks[1].get_x() - blocks[0].get_x() == pytest.approx(stride)


def test_hog_layout_states_the_descriptor_length():
    ax = draw_hog_layout((5, 5), cells_per_block=2, orientations=9)
    assert any("= 576 numbers" in t.get_text() for t in ax.texts)  # 4x4 blocks x 4 cells x 9 bins


def test_hog_layout_draws_given_histograms_on_a_given_axes():
    fig, ax = plt.subplots()
    hist = np.zeros((2, 2, 3))
    hist[1, 1, 2] = 5.0
    assert draw_hog_layout((2, 2), cells_per_block=1, orientations=3, histograms=hist, ax=ax) is ax
    heights = [abs(p.get_height()) for p in ax.patches if p.get_gid() == "bar"]
    assert heights.count(max(heights)) == 1 and max(heights) == pytest.approx(0.75)


@pytest.mark.parametrize("kwargs", [dict(n_cells=(0, 5)), dict(cells_per_block=6), dict(orientations=0),
                                    dict(block_stride=1.5), dict(histograms=np.ones((5, 5, 8)))])
def test_hog_layout_rejects_bad_arguments(kwargs):
    with pytest.raises(ValueError):
        draw_hog_layout(**kwargs)


def test_cascade_draws_a_stage_and_a_reject_arrow_per_stage():
    windows = (154558, 76555, 14071, 5374, 1406, 360)
    ax = draw_cascade((2, 3, 5, 10, 20), windows)
    assert count(ax, "stage") == 5 and count(ax, "reject") == 5 and count(ax, "pass") == 5
    assert count(ax, "input") == 1
    texts = " ".join(t.get_text() for t in ax.texts)
    assert "rejected\n78,003" in texts and "accepted\n360" in texts  # 154,558 - 76,555


@pytest.mark.parametrize("stumps, windows", [((), (10,)), ((2, 3), (10, 5)), ((2, 0), (10, 5, 1)),
                                             ((2, 3), (10, 12, 1)), ((2,), (10, -1))])
def test_cascade_rejects_bad_arguments(stumps, windows):
    with pytest.raises(ValueError):
        draw_cascade(stumps, windows)
