"""Augmentation pipelines used in the course.

:func:`imgaug_heavy_pipeline` is imgaug's own "heavy augmentation" example (the imgaug
README, A. Jung et al., https://github.com/aleju/imgaug): geometric augmenters applied to
every image, then 0-5 of a long list of photometric ones.
"""
from __future__ import annotations


def imgaug_heavy_pipeline(*, seed: int | None = None, elastic: bool = True):
    """Build imgaug's "heavy augmentation" pipeline (imgaug is imported through the NumPy 2 shim).

    ``elastic=True`` also enables the three local geometric augmenters that the imgaug
    README's example leaves commented out (ElasticTransformation, PiecewiseAffine, PerspectiveTransform);
    PiecewiseAffine is slow (about 0.1 s per image).
    """
    from ..imgaug_shim import import_imgaug

    ia, iaa = import_imgaug()

    if seed is not None:
        # Augmenters draw their random streams from imgaug's global generator when they
        # are built, so seeding it first makes the whole pipeline reproducible (a
        # `seed=` on the outer Sequential alone would not reach the nested augmenters).
        ia.seed(seed)

    def sometimes(aug):
        return iaa.Sometimes(0.5, aug)

    geometric = [
        iaa.Fliplr(0.5),  # mirror half of the images left-right
        iaa.Flipud(0.2),  # and a fifth of them upside down
        sometimes(iaa.CropAndPad(percent=(-0.05, 0.1), pad_mode=ia.ALL, pad_cval=(0, 255))),
        sometimes(iaa.Affine(scale={"x": (0.8, 1.2), "y": (0.8, 1.2)},
                             translate_percent={"x": (-0.2, 0.2), "y": (-0.2, 0.2)},
                             rotate=(-45, 45), shear=(-16, 16), order=[0, 1],
                             cval=(0, 255), mode=ia.ALL)),
    ]
    photometric = [
        sometimes(iaa.Superpixels(p_replace=(0, 1.0), n_segments=(20, 200))),
        iaa.OneOf([
            iaa.GaussianBlur((0, 3.0)),
            iaa.AverageBlur(k=(2, 7)),
            iaa.MedianBlur(k=(3, 11)),
        ]),
        iaa.Sharpen(alpha=(0, 1.0), lightness=(0.75, 1.5)),
        iaa.Emboss(alpha=(0, 1.0), strength=(0, 2.0)),
        # all edges or directed edges, blended in through a blobby simplex-noise mask
        # (the README's SimplexNoiseAlpha / FrequencyNoiseAlpha are deprecated aliases
        # of BlendAlphaSimplexNoise / BlendAlphaFrequencyNoise)
        iaa.BlendAlphaSimplexNoise(iaa.OneOf([
            iaa.EdgeDetect(alpha=(0.5, 1.0)),
            iaa.DirectedEdgeDetect(alpha=(0.5, 1.0), direction=(0.0, 1.0)),
        ])),
        iaa.AdditiveGaussianNoise(loc=0, scale=(0.0, 0.05 * 255), per_channel=0.5),
        iaa.OneOf([
            iaa.Dropout((0.01, 0.1), per_channel=0.5),
            iaa.CoarseDropout((0.03, 0.15), size_percent=(0.02, 0.05), per_channel=0.2),
        ]),
        iaa.Invert(0.05, per_channel=True),
        iaa.Add((-10, 10), per_channel=0.5),
        iaa.AddToHueAndSaturation((-20, 20)),
        # brightness of the whole image, or of blobby sub-areas (frequency noise mask)
        iaa.OneOf([
            iaa.Multiply((0.5, 1.5), per_channel=0.5),
            iaa.BlendAlphaFrequencyNoise(exponent=(-4, 0),
                                         foreground=iaa.Multiply((0.5, 1.5), per_channel=True),
                                         background=iaa.LinearContrast((0.5, 2.0))),
        ]),
        iaa.LinearContrast((0.5, 2.0), per_channel=0.5),
        iaa.Grayscale(alpha=(0.0, 1.0)),
    ]
    if elastic:
        photometric += [
            sometimes(iaa.ElasticTransformation(alpha=(0.5, 3.5), sigma=0.25)),
            sometimes(iaa.PiecewiseAffine(scale=(0.01, 0.05))),
            sometimes(iaa.PerspectiveTransform(scale=(0.01, 0.1))),
        ]
    pipeline = iaa.Sequential(geometric + [iaa.SomeOf((0, 5), photometric, random_order=True)],
                              random_order=True)
    return pipeline


def leaf_augmenters(pipeline) -> list:
    """Every augmenter in ``pipeline`` that does the work itself (no Sequential/OneOf/...).

    Alpha blenders (SimplexNoiseAlpha, FrequencyNoiseAlpha) count as leaves: their
    mask generation is the part that needs the NumPy 2 shim.
    """
    from ..imgaug_shim import import_imgaug

    _, iaa = import_imgaug()
    containers = (iaa.Sequential, iaa.SomeOf, iaa.OneOf, iaa.Sometimes)
    leaves = []
    for aug in pipeline.get_all_children(flat=True):
        if not isinstance(aug, containers):
            leaves.append(aug)
    return leaves
