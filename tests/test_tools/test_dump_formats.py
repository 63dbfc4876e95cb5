"""tools/test.py --dump: egohands prediction dumps or a benchmark's file."""
import pytest
from mmengine.config import Config

from egohands.apis.tool_config import add_prediction_dump
from egohands.utils.errors import ConfigError

WRITER = dict(type='EgoExo4DSubmissionWriter', test_file='test.json')


def _config(with_writer):
    cfg = dict(test_evaluator=dict(type='HandKeypoint3DMetric'))
    if with_writer:
        cfg['dump_writer'] = WRITER
    return Config(cfg)


def test_auto_writes_the_submission_when_the_config_declares_a_writer(
        tmp_path):
    cfg = _config(with_writer=True)
    out = str(tmp_path / 'sub.json')
    assert add_prediction_dump(cfg, out, 'auto', 'x.py', {}) == 'submission'
    assert cfg.test_evaluator[0] == dict(type='HandKeypoint3DMetric')
    assert cfg.test_evaluator[1] == dict(WRITER, out_file=out)
    assert not cfg.get('custom_hooks')


def test_auto_dumps_predictions_without_a_writer(tmp_path):
    cfg = _config(with_writer=False)
    out = str(tmp_path / 'pred.npz')
    assert add_prediction_dump(cfg, out, 'auto', 'x.py',
                               dict(config='x.py')) == 'predictions'
    assert cfg.custom_hooks == [dict(type='PredictionDumpHook', out_file=out,
                                     meta=dict(config='x.py'))]
    assert cfg.test_evaluator == dict(type='HandKeypoint3DMetric')


def test_predictions_can_be_forced_next_to_a_writer(tmp_path):
    cfg = _config(with_writer=True)
    out = str(tmp_path / 'val.npz')
    assert add_prediction_dump(cfg, out, 'predictions', 'x.py',
                               {}) == 'predictions'
    assert cfg.custom_hooks[0]['type'] == 'PredictionDumpHook'


def test_submission_without_a_writer_is_a_clear_error(tmp_path):
    with pytest.raises(ConfigError, match='x.py declares no dump_writer'):
        add_prediction_dump(_config(False), str(tmp_path / 's.json'),
                            'submission', 'x.py', {})
    with pytest.raises(ConfigError, match='--dump-format must be one of'):
        add_prediction_dump(_config(False), str(tmp_path / 's.json'),
                            'csv', 'x.py', {})
