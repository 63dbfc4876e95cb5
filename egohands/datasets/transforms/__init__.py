"""egohands.datasets.transforms: the registered top-down data pipeline.

==================  ========================================================
``loading``         ``LoadImage`` (BGR uint8, optional hand mask)
``bbox``            ``GetSquareBBox``, ``RandomBBoxTransform``
``topdown_affine``  ``TopdownAffine`` (crop, crop camera, camera roll)
``flip``            ``RandomFlip`` (horizontal / vertical, camera frame)
``photometric``     ``HSVJitter``, ``RandomBlur``, ``RandomMedianBlur``,
                    ``CoarseDropout``, ``ColorScale``
``formatting``      ``PackHandInputs`` (last transform)
``detection``       ``ResizeImage``, ``PackDetectionInputs`` (whole images
                    with all their hands, for the hand detector)
``two_hand``        ``TwoHandCrops``, ``PackTwoHandInputs`` (the full frame
                    and a crop per hand, for WildHands / ArcticNet-SF)
==================  ========================================================

A typical pipeline: ``LoadImage -> GetSquareBBox -> [RandomBBoxTransform]
-> TopdownAffine -> [RandomFlip, photometric] -> PackHandInputs``.
"""
from egohands.datasets.transforms.bbox import (GetSquareBBox,
                                               RandomBBoxTransform)
from egohands.datasets.transforms.detection import (PackDetectionInputs,
                                                    ResizeImage)
from egohands.datasets.transforms.flip import RandomFlip, flip_sample
from egohands.datasets.transforms.formatting import PackHandInputs
from egohands.datasets.transforms.loading import LoadImage
from egohands.datasets.transforms.photometric import (CoarseDropout,
                                                      ColorScale, HSVJitter,
                                                      RandomBlur,
                                                      RandomMedianBlur)
from egohands.datasets.transforms.topdown_affine import TopdownAffine
from egohands.datasets.transforms.two_hand import (PackTwoHandInputs,
                                                   TwoHandCrops)

__all__ = [
    'LoadImage', 'GetSquareBBox', 'RandomBBoxTransform', 'TopdownAffine',
    'RandomFlip', 'flip_sample', 'HSVJitter', 'RandomBlur',
    'RandomMedianBlur', 'CoarseDropout', 'ColorScale', 'PackHandInputs', 'ResizeImage', 'PackDetectionInputs'
]
from egohands.datasets.transforms.multiview import (LoadMultiViewImages,
                                                    MultiViewExtrinsicNoise,
                                                    MultiViewPerspectiveCrop)
from egohands.datasets.transforms.multiview_formatting import \
    PackMultiViewInputs

__all__ += ['LoadMultiViewImages', 'MultiViewPerspectiveCrop',
            'MultiViewExtrinsicNoise', 'PackMultiViewInputs']
__all__ += ['TwoHandCrops', 'PackTwoHandInputs']
