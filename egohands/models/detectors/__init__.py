"""egohands.models.detectors: whole-image hand detectors (boxes and sides
for the top-down pose models); importing registers them in ``MODELS``."""
from egohands.models.detectors.centernet_hand_detector import \
    HandCenterDetector

__all__ = ['HandCenterDetector']
