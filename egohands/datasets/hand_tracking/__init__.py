"""UmeTrack / HOT3D-Clips: the hand_tracking_toolkit's webdataset tars.

``tars`` (layout, indexing, writing test tars), ``parsing`` (checked JSON
fields), ``dataset`` (the registered readers, multi-view groups),
``loading`` (``LoadTarImage``), ``entries`` (the challenge's ordered
(sequence, frame, hand) entries).
"""
from .dataset import (HandTrackingTarDataset, HOT3DClipsDataset,
                      UmeTrackDataset, multiview_groups)
from .loading import LoadTarImage

__all__ = ['HandTrackingTarDataset', 'UmeTrackDataset', 'HOT3DClipsDataset',
           'multiview_groups', 'LoadTarImage']
