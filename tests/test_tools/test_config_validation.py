import pytest
from mmengine.config import Config

from egohands.apis.config_validation import validate_config
from egohands.utils.errors import ConfigError, RegistryMissError


def _cfg(**head_extra):
    head = dict(type='RegressionHead', in_channels=64,
                codec=dict(type='RootRelativeJointCodec'), **head_extra)
    return Config(dict(
        model=dict(type='TopdownHandEstimator',
                   backbone=dict(type='SimpleCNN'), head=head),
        default_hooks=dict(logger=dict(type='LoggerHook', interval=5),
                           checkpoint=dict(type='CheckpointHook',
                                           priority='LOW')),
        optim_wrapper=dict(type='OptimWrapper',
                           optimizer=dict(type='AdamW', lr=1e-3),
                           paramwise_cfg=dict(norm_decay_mult=0.0)),
        param_scheduler=[dict(type='MultiStepLR', milestones=[2])],
        val_evaluator=dict(type='Evaluator', metrics=[])))


def test_valid_config_passes():
    validate_config(_cfg(), 'my_config.py')


def test_wrong_key_names_file_path_and_closest_key():
    with pytest.raises(ConfigError) as info:
        validate_config(_cfg(num_joint=21), 'configs/my_config.py')
    message = str(info.value)
    assert message.startswith('configs/my_config.py: model.head: ')
    assert "unknown key 'num_joint' for RegressionHead" in message
    assert "did you mean 'num_joints'?" in message
    assert '\n' not in message


def test_wrong_key_in_a_list_and_in_an_mmengine_component():
    cfg = _cfg()
    cfg.custom_hooks = [dict(type='EmptyCacheHook', after_epochs=True)]
    with pytest.raises(ConfigError, match=r'custom_hooks\[0\]: unknown '
                       "key 'after_epochs'.*'after_epoch'"):
        validate_config(cfg, 'c.py')
    cfg = _cfg()
    cfg.default_hooks.logger.intervall = 3
    with pytest.raises(ConfigError, match="default_hooks.logger.*'interval'"):
        validate_config(cfg, 'c.py')


def test_unknown_type_is_a_registry_miss_with_the_path():
    cfg = _cfg()
    cfg.model.backbone.type = 'SimpleCN'
    with pytest.raises(RegistryMissError) as info:
        validate_config(cfg, 'c.py')
    assert str(info.value).startswith('c.py: model.backbone: ')
    assert 'SimpleCNN' in str(info.value)  # the closest name is suggested
