"""Codecs: target encoding and prediction decoding, with their statistics."""
from egohands.codecs.base import BaseJointCodec
from egohands.codecs.pose25d_codec import Pose25DCodec
from egohands.codecs.root_relative_joint_codec import RootRelativeJointCodec
from egohands.codecs.target_stats import (load_stats, root_relative_stats,
                                          save_stats, stats_from_dataset,
                                          dataset_joints)

__all__ = [
    'BaseJointCodec', 'Pose25DCodec', 'RootRelativeJointCodec', 'load_stats',
    'root_relative_stats', 'save_stats', 'stats_from_dataset', 'dataset_joints'
]
