"""EgoExo4D hand pose: file layouts, the official preparation rules, the
raw-to-processed conversion and the reader of the processed files.

The registered dataset is :class:`egohands.datasets.egoexo4d_dataset.
EgoExo4DHandDataset`; the user guide is ``docs/egoexo4d.md``.
"""
from egohands.datasets.egoexo4d.convert import (RuleSettings, SplitReport,
                                                load_mask, prepare_egoexo4d,
                                                public_test_file)
from egohands.datasets.egoexo4d.layout import (HAND_SIDES, IMAGE_SIZE,
                                               aria_pinhole_K,
                                               processed_annotation_file,
                                               read_json,
                                               undistorted_image_path,
                                               write_json)
from egohands.datasets.egoexo4d.processed import HandRecord, \
    iter_hand_records
from egohands.datasets.egoexo4d.rules import aria_visibility_mask, \
    filter_hand

__all__ = [
    'HAND_SIDES', 'IMAGE_SIZE', 'HandRecord', 'RuleSettings', 'SplitReport',
    'aria_pinhole_K', 'aria_visibility_mask', 'filter_hand',
    'iter_hand_records', 'load_mask', 'prepare_egoexo4d',
    'processed_annotation_file', 'public_test_file', 'read_json',
    'undistorted_image_path', 'write_json'
]
