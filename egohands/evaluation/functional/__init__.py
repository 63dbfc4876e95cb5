"""egohands.evaluation.functional: metric definitions as numpy functions.

Pure, vectorised numpy (no loop over hands), in the units of the inputs
(egohands passes mm and px). The registered metrics of
``egohands.evaluation.metrics`` call these; other code (notebooks,
post-processors) may too.
"""
from .acceleration import acceleration_error
from .hand_tracking import (challenge_pose_metrics, challenge_shape_metric,
                            mpvpe, toolkit_landmarks)
from .hand_reduction import NoValidHandError, mean_over_hands, per_hand_means
from .keypoint_2d import keypoint_2d_error
from .keypoint_3d import (ALIGNMENTS, keypoint_errors, keypoint_mpjpe,
                          keypoint_mrrpe)
from .pck import DEFAULT_PCK_THRESHOLDS_MM, keypoint_pck_auc, pck_curve

__all__ = [
    'keypoint_mpjpe', 'keypoint_errors', 'keypoint_mrrpe', 'keypoint_pck_auc',
    'pck_curve', 'keypoint_2d_error', 'acceleration_error',
    'mean_over_hands', 'per_hand_means', 'NoValidHandError', 'ALIGNMENTS',
    'DEFAULT_PCK_THRESHOLDS_MM', 'challenge_pose_metrics',
    'challenge_shape_metric', 'mpvpe', 'toolkit_landmarks'
]
