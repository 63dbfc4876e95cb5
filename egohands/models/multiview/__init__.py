"""Multi-view parts (docs/multiview.md): the split feature transform layer,
feature lifting, the UV regressor, view fusion and the MANO PCA head. The
estimator that joins them is ``egohands.models.estimators.
MultiViewHandEstimator``."""
from .feature_lifting import FeatureLifter
from .feature_transform import (SplitFTL, intrinsics_normalisation,
                                transform_directions, transform_points)
from .mano_pca_head import MultiViewMANOHead
from .uv_regressor import UVRegressor
from .view_fusion import ConcatViewFusion

__all__ = ['FeatureLifter', 'SplitFTL', 'intrinsics_normalisation',
           'transform_directions', 'transform_points', 'MultiViewMANOHead',
           'UVRegressor', 'ConcatViewFusion']
