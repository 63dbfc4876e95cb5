"""Data containers passed between pipeline stages."""
from egohands.structures.hand_data_sample import HandDataSample

__all__ = ['HandDataSample']
