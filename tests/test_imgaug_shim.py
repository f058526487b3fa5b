"""imgaug 0.4.0 on NumPy 2 through course_utils.imgaug_shim, with imgaug's heavy pipeline."""
import numpy as np
import pytest

from conftest import run_python
from course_utils.augment import leaf_augmenters, imgaug_heavy_pipeline

# The augmenters of imgaug's README "heavy" pipeline, geometric stage included.
EXPECTED = {
    "Fliplr", "Flipud", "CropAndPad", "Affine", "Superpixels", "GaussianBlur", "AverageBlur",
    "MedianBlur", "Sharpen", "Emboss", "BlendAlphaSimplexNoise", "EdgeDetect",
    "DirectedEdgeDetect", "AdditiveGaussianNoise", "Dropout", "CoarseDropout", "Invert", "Add",
    "AddToHueAndSaturation", "Multiply", "BlendAlphaFrequencyNoise", "LinearContrast",
    "Grayscale", "ElasticTransformation", "PiecewiseAffine", "PerspectiveTransform",
}


def test_imgaug_fails_without_the_shim():
    # Proves the shim is needed, i.e. that the test below is testing something.
    r = run_python("import imgaug")
    assert r.returncode != 0 and "sctypes" in r.stderr


def test_shim_restores_only_what_is_missing():
    r = run_python(
        "import numpy as np, numpy.ma as ma\n"
        "bool_before = np.bool\n"
        "from course_utils.imgaug_shim import import_imgaug, apply_numpy2_shim\n"
        "ia, iaa = import_imgaug()\n"
        "assert np.bool is bool_before, 'np.bool must not be overwritten'\n"
        "assert int(ma.masked_array([1, 2, 3], mask=[0, 1, 0]).sum()) == 4\n"
        "assert apply_numpy2_shim() == []  # idempotent\n"
        "print(ia.__version__)")
    assert r.returncode == 0, r.stderr[-2000:]
    assert r.stdout.strip() == "0.4.0"


@pytest.fixture(scope="module")
def pipeline():
    return imgaug_heavy_pipeline(seed=0)


@pytest.fixture(scope="module")
def batch():
    return np.random.default_rng(0).integers(0, 256, (4, 48, 48, 3), dtype=np.uint8)


def test_pipeline_contains_every_augmenter_of_the_heavy_example(pipeline):
    names = {type(a).__name__ for a in leaf_augmenters(pipeline)}
    assert names == EXPECTED


def test_every_augmenter_runs_deterministically_and_changes_some_image(pipeline, batch):
    unchanged = []
    for aug in leaf_augmenters(pipeline):
        name = type(aug).__name__
        det = aug.to_deterministic()
        a, b = det(images=batch), det(images=batch)
        assert a.shape == batch.shape and a.dtype == np.uint8, name
        assert np.array_equal(a, b), f"{name}: a deterministic copy gave two different outputs"
        # over a few seeded draws every augmenter alters at least one of the four images
        if not any(not np.array_equal(aug.to_deterministic()(images=batch), batch) for _ in range(8)):
            unchanged.append(name)
    assert not unchanged, f"augmenters that never changed an image in 8 draws: {unchanged}"


def test_simple_augmenters_equal_their_numpy_definitions(batch):
    from course_utils.imgaug_shim import import_imgaug

    _, iaa = import_imgaug()
    assert np.array_equal(iaa.Fliplr(1.0)(images=batch), batch[:, :, ::-1])
    assert np.array_equal(iaa.Flipud(1.0)(images=batch), batch[:, ::-1])
    assert np.array_equal(iaa.Invert(1.0)(images=batch), 255 - batch)
    assert np.array_equal(iaa.Add(40)(images=batch), np.clip(batch.astype(int) + 40, 0, 255).astype(np.uint8))
    assert np.array_equal(iaa.Grayscale(1.0)(images=batch)[..., 0], iaa.Grayscale(1.0)(images=batch)[..., 2])


def test_frequency_noise_needs_np_complex(batch):
    # FrequencyNoise is the augmenter that used np.complex; run it with many draws.
    from course_utils.imgaug_shim import import_imgaug

    _, iaa = import_imgaug()
    aug = iaa.BlendAlphaFrequencyNoise(exponent=(-4, 0), foreground=iaa.Multiply(1.5), seed=1)
    assert aug(images=batch).shape == batch.shape


def test_pipeline_is_deterministic_for_a_seed(batch):
    a = imgaug_heavy_pipeline(seed=3)(images=batch)
    b = imgaug_heavy_pipeline(seed=3)(images=batch)
    c = imgaug_heavy_pipeline(seed=4)(images=batch)
    assert np.array_equal(a, b) and not np.array_equal(a, c)
