"""egohands.hand_models: MANO on smplx, official-file reading and a hand-pose
prior (see docs/hand_models.md). The synthetic MANO-format hand that stands
in for MANO lives with the data generator, in ``egohands.synth.hand``."""
from .mano import HandModelOutput, MANOHand, build_hand_model
from .mano_files import load_mano_data, prepare_mano_files, read_mano_pickle
from .pose_prior import (JOINT_LIMITS, STYLES, axis_angle_to_local,
                         clip_to_limits, joint_frames, local_to_axis_angle,
                         sample_hand_pose)

__all__ = [
    'MANOHand', 'HandModelOutput', 'build_hand_model', 'load_mano_data',
    'prepare_mano_files', 'read_mano_pickle', 'JOINT_LIMITS', 'STYLES',
    'axis_angle_to_local', 'clip_to_limits', 'joint_frames',
    'local_to_axis_angle', 'sample_hand_pose'
]
