"""``BaseHandEstimator``: the constructor and mode dispatch estimators share.

mmengine calls a model as ``model(inputs, data_samples, mode=...)``; every
estimator answers the same three modes and keeps its preprocessor and its
train / test configs the same way, so that lives here once.
"""
from typing import Dict, List, Optional, Union

from mmengine.model import BaseModel

from egohands.models.data_preprocessors import build_data_preprocessor
from egohands.structures import HandDataSample


class BaseHandEstimator(BaseModel):
    """An mmengine model with the ``'loss'`` / ``'predict'`` / ``'tensor'``
    modes (not registered: subclass it).

    Subclasses build their parts after ``super().__init__(...)`` and define
    ``loss(inputs, data_samples)`` (dict of loss tensors),
    ``predict(inputs, data_samples)`` (the samples with ``pred_*`` fields)
    and ``_forward(inputs, data_samples)`` (the raw outputs of
    ``'tensor'`` mode).

    Args:
        data_preprocessor: config of the batch preprocessor (see
            :func:`~egohands.models.data_preprocessors.
            build_data_preprocessor`).
        train_cfg: kept as the dict ``self.train_cfg`` (None = ``{}``).
        test_cfg: kept as the dict ``self.test_cfg`` (None = ``{}``).
        init_cfg: mmengine weight-initialisation config.
    """

    MODES = ('loss', 'predict', 'tensor')

    def __init__(self,
                 data_preprocessor: Optional[dict] = None,
                 train_cfg: Optional[dict] = None,
                 test_cfg: Optional[dict] = None,
                 init_cfg=None) -> None:
        super().__init__(
            data_preprocessor=build_data_preprocessor(data_preprocessor),
            init_cfg=init_cfg)
        self.train_cfg = dict(train_cfg or {})
        self.test_cfg = dict(test_cfg or {})

    def forward(self, inputs,
                data_samples: Optional[List[HandDataSample]] = None,
                mode: str = 'tensor') -> Union[Dict, List[HandDataSample]]:
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        if mode == 'tensor':
            return self._forward(inputs, data_samples)
        raise ValueError(f'{type(self).__name__}.forward: mode must be one '
                         f'of {self.MODES}, got {mode!r}')
