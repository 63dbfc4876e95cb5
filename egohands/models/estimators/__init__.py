"""Estimators: whole models with 'loss' / 'predict' / 'tensor' modes."""
from egohands.models.estimators.topdown_hand_estimator import \
    TopdownHandEstimator

__all__ = ['TopdownHandEstimator']
from egohands.models.estimators.multiview_hand_estimator import \
    MultiViewHandEstimator

__all__ += ['MultiViewHandEstimator']

from egohands.models.estimators.wildhands_estimator import \
    WildHandsEstimator  # noqa: E402

__all__ += ['WildHandsEstimator']
