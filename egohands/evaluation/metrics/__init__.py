"""egohands.evaluation.metrics: registered mmengine metrics.

Importing this package registers every metric in ``METRICS`` (the registry's
``locations`` point here).
"""
from .acceleration_error_metric import AccelerationErrorMetric
from .hand_box_metric import HandBoxMetric
from .hand_keypoint_3d_metric import HandKeypoint3DMetric

__all__ = ['HandKeypoint3DMetric', 'AccelerationErrorMetric', 'HandBoxMetric']
from .egoexo4d_metric import EgoExo4DMetric, EgoExo4DSubmissionWriter  # noqa: F401,E501
from .wildhands_metric import WildHandsMetric  # noqa: F401
from .hand_tracking_metric import HandTrackingPoseMetric, HandTrackingShapeMetric  # noqa: F401,E501
from .hand_tracking_writer import HandTrackingSubmissionWriter  # noqa: F401
from .mano_orientation_metric import MANOOrientationMetric  # noqa: F401
from .two_hand_keypoint_3d_metric import TwoHandKeypoint3DMetric  # noqa: F401,E501
