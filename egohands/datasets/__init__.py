"""egohands.datasets: hand dataset readers (one sample per hand).

Importing this package registers the datasets in ``egohands.registry.
DATASETS``. The transforms live in ``egohands.datasets.transforms``.
"""
from egohands.datasets.base_dataset import BaseHandDataset
from egohands.datasets.egohands_coco import EgoHandsCocoDataset
from egohands.datasets.egohands_images import EgoHandsImageDataset
from egohands.datasets.egoexo4d_dataset import EgoExo4DHandDataset
from egohands.datasets.hand_tracking import (HOT3DClipsDataset,
                                             UmeTrackDataset)
from egohands.datasets.multiview_dataset import MultiViewDataset

__all__ = ['BaseHandDataset', 'EgoHandsCocoDataset', 'EgoExo4DHandDataset',
           'EgoHandsImageDataset', 'UmeTrackDataset', 'HOT3DClipsDataset',
           'MultiViewDataset']
