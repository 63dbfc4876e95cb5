"""Data preprocessors: batching, normalisation and device moves."""
from egohands.models.data_preprocessors.hand_data_preprocessor import (
    HandDataPreprocessor, build_data_preprocessor)

__all__ = ['HandDataPreprocessor', 'build_data_preprocessor']
from egohands.models.data_preprocessors.multiview_data_preprocessor import \
    MultiViewDataPreprocessor

__all__ += ['MultiViewDataPreprocessor']

from egohands.models.data_preprocessors.image_dict_data_preprocessor import \
    ImageDictDataPreprocessor  # noqa: E402

__all__ += ['ImageDictDataPreprocessor']
