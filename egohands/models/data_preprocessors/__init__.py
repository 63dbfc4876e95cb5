"""Data preprocessors: batching, normalisation and device moves."""
from egohands.models.data_preprocessors.hand_data_preprocessor import \
    HandDataPreprocessor

__all__ = ['HandDataPreprocessor']
