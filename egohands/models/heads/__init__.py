"""Heads: features -> raw outputs, losses and per-sample predictions."""
from egohands.models.heads.base_head import BaseHandHead
from egohands.models.heads.heatmap_3d_head import Heatmap3DHandHead
from egohands.models.heads.heatmap_lifting_head import HeatmapLiftingHead
from egohands.models.heads.integral_pose_head import IntegralPoseHead
from egohands.models.heads.joint_query_head import JointQueryTransformerHead
from egohands.models.heads.mano_transformer_head import MANOTransformerHead
from egohands.models.heads.regression_head import RegressionHead

__all__ = [
    'BaseHandHead',
    'Heatmap3DHandHead',
    'HeatmapLiftingHead',
    'IntegralPoseHead',
    'JointQueryTransformerHead',
    'MANOTransformerHead',
    'RegressionHead',
]
from egohands.models.heads.hmr_mano_head import HMRMANOHead  # noqa: E402

__all__ += ['HMRMANOHead']
