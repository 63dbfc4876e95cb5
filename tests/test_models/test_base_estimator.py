"""BaseHandEstimator: the shared constructor and the mode dispatch."""
import pytest
import torch

from egohands.models.data_preprocessors import HandDataPreprocessor
from egohands.models.estimators.base_estimator import BaseHandEstimator


class Recorder(BaseHandEstimator):
    """Answers each mode with its name and the arguments it got."""

    def loss(self, inputs, data_samples):
        return ('loss', inputs, data_samples)

    def predict(self, inputs, data_samples):
        return ('predict', inputs, data_samples)

    def _forward(self, inputs, data_samples):
        return ('tensor', inputs, data_samples)


def test_each_mode_reaches_its_method_with_the_inputs():
    model = Recorder()
    inputs, samples = torch.zeros(1, 3, 4, 4), ['sample']
    for mode in BaseHandEstimator.MODES:
        assert model(inputs, samples, mode=mode) == (mode, inputs, samples)
    assert model(inputs)[0] == 'tensor'


def test_an_unknown_mode_names_the_estimator_and_the_modes():
    with pytest.raises(ValueError, match=r"Recorder\.forward: mode must be "
                       r"one of \('loss', 'predict', 'tensor'\), got 'x'"):
        Recorder()(torch.zeros(1), mode='x')


def test_configs_are_kept_as_dicts_and_the_preprocessor_is_built():
    model = Recorder(data_preprocessor=dict(type='HandDataPreprocessor'),
                     test_cfg=dict(flip_test=True))
    assert isinstance(model.data_preprocessor, HandDataPreprocessor)
    assert model.train_cfg == {} and model.test_cfg == {'flip_test': True}
    cfg = dict(a=1)
    assert Recorder(train_cfg=cfg).train_cfg is not cfg  # a copy
