"""egohands.datasets: hand dataset readers (one sample per hand).

Importing this package registers the datasets in ``egohands.registry.
DATASETS``. The transforms live in ``egohands.datasets.transforms``.
"""
from egohands.datasets.base_dataset import BaseHandDataset
from egohands.datasets.egohands_coco import EgoHandsCocoDataset
from egohands.datasets.egohands_images import EgoHandsImageDataset
from egohands.datasets.egoexo4d_dataset import EgoExo4DHandDataset
from egohands.datasets.arctic_dataset import ArcticEgoDataset
from egohands.datasets.assemblyhands_dataset import AssemblyHandsEgoDataset
from egohands.datasets.epic_handkps_dataset import EPICHandKpsDataset
from egohands.datasets.freihand_dataset import FreiHANDDataset
from egohands.datasets.h2o_dataset import H2OHandDataset
from egohands.datasets.hand_tracking import (HOT3DClipsDataset,
                                             UmeTrackDataset)
from egohands.datasets.multi_source import MultiSourceHandDataset
from egohands.datasets.multiview_dataset import MultiViewDataset
from egohands.datasets.samplers import SourceRatioSampler

__all__ = ['BaseHandDataset', 'EgoHandsCocoDataset', 'EgoExo4DHandDataset',
           'EgoHandsImageDataset', 'ArcticEgoDataset',
           'AssemblyHandsEgoDataset', 'EPICHandKpsDataset', 'FreiHANDDataset',
           'H2OHandDataset', 'HOT3DClipsDataset', 'MultiSourceHandDataset',
           'MultiViewDataset', 'SourceRatioSampler', 'UmeTrackDataset']
from egohands.datasets.two_hand_dataset import TwoHandImageDataset  # noqa: E402

__all__ += ['TwoHandImageDataset']
