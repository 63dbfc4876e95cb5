"""egohands.datasets: hand dataset readers (one sample per hand).

Importing this package registers the datasets in ``egohands.registry.
DATASETS``. The transforms live in ``egohands.datasets.transforms``.
"""
from egohands.datasets.base_dataset import BaseHandDataset
from egohands.datasets.egohands_coco import EgoHandsCocoDataset
from egohands.datasets.egohands_images import EgoHandsImageDataset
from egohands.datasets.egoexo4d_dataset import EgoExo4DHandDataset

__all__ = ['BaseHandDataset', 'EgoHandsCocoDataset', 'EgoExo4DHandDataset',
           'EgoHandsImageDataset']
from egohands.datasets.two_hand_dataset import TwoHandImageDataset  # noqa

__all__ += ['TwoHandImageDataset']
