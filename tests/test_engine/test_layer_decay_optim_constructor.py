"""LayerDecayOptimWrapperConstructor: lr scales, weight-decay groups, and
the warm-up + cosine schedule of the HP-ViT configs on top of them."""
import math

import pytest
import torch
from mmengine.optim import CosineAnnealingLR, LinearLR

from egohands.registry import MODELS, OPTIM_WRAPPER_CONSTRUCTORS
from egohands.utils.errors import ConfigError

DEPTH = 3
RATE = 0.5
LR = 1e-3
WD = 0.1


def _model():
    return MODELS.build(dict(
        type='TopdownHandEstimator',
        backbone=dict(type='ViTBackbone', with_cls_token=True,
                      arch=dict(embed_dim=16, depth=DEPTH, num_heads=2),
                      img_size=(32, 32)),
        head=dict(type='JointQueryTransformerHead', in_channels=16,
                  embed_dim=16, depth=1,
                  codec=dict(type='RootRelativeJointCodec'))))


def _build(model, **paramwise):
    constructor = OPTIM_WRAPPER_CONSTRUCTORS.build(dict(
        type='LayerDecayOptimWrapperConstructor',
        optim_wrapper_cfg=dict(
            optimizer=dict(type='AdamW', lr=LR, weight_decay=WD)),
        paramwise_cfg=dict(layer_decay_rate=RATE, **paramwise)))
    return constructor(model)


def _settings(optim_wrapper, model):
    """name -> (lr, weight_decay) of the group holding each parameter."""
    by_id = {}
    for group in optim_wrapper.optimizer.param_groups:
        for param in group['params']:
            assert id(param) not in by_id, 'a parameter is in two groups'
            by_id[id(param)] = (group['lr'], group['weight_decay'])
    return {name: by_id[id(param)] for name, param in model.named_parameters()}


def test_every_parameter_is_in_exactly_one_group():
    model = _model()
    settings = _settings(_build(model), model)
    assert len(settings) == len(list(model.parameters()))


def test_lr_scales_follow_beit_layer_ids():
    model = _model()
    settings = _settings(_build(model), model)
    # layer 0 = embeddings: rate ** (DEPTH + 1)
    for name in ('backbone.vit.pos_embed', 'backbone.vit.cls_token',
                 'backbone.vit.patch_embed.proj.weight',
                 'backbone.vit.patch_embed.proj.bias'):
        assert settings[name][0] == pytest.approx(LR * RATE**4), name
    # block i = layer i + 1: rate ** (DEPTH - i)
    for block in range(DEPTH):
        for leaf in ('norm1.weight', 'attn.qkv.weight', 'mlp.fc2.bias'):
            name = f'backbone.vit.blocks.{block}.{leaf}'
            assert settings[name][0] == pytest.approx(
                LR * RATE**(DEPTH - block)), name
    # final norm and the whole head: the base lr
    assert settings['backbone.vit.norm.weight'][0] == pytest.approx(LR)
    head = [name for name in settings if name.startswith('head.')]
    assert head and all(settings[n][0] == pytest.approx(LR) for n in head)


def test_no_weight_decay_for_norms_biases_embeddings_and_queries():
    model = _model()
    settings = _settings(_build(model), model)
    no_decay = {name for name, (_, wd) in settings.items() if wd == 0.0}
    decay = {name for name, (_, wd) in settings.items() if wd == WD}
    assert no_decay | decay == set(settings)
    for name in ('backbone.vit.pos_embed', 'backbone.vit.cls_token',
                 'backbone.vit.blocks.0.norm1.weight',
                 'backbone.vit.blocks.1.attn.qkv.bias',
                 'backbone.vit.norm.bias', 'head.joint_queries',
                 'head.readout.bias'):
        assert name in no_decay, name
    for name in ('backbone.vit.patch_embed.proj.weight',
                 'backbone.vit.blocks.2.mlp.fc1.weight',
                 'head.memory_proj.weight', 'head.readout.weight',
                 'head.decoder.layers.0.linear1.weight'):
        assert name in decay, name
    # an independent rule: decay iff >= 2-D and not an embedding / query
    for name, param in model.named_parameters():
        expected = param.ndim >= 2 and not any(
            key in name for key in ('pos_embed', 'cls_token', 'queries'))
        assert (name in decay) == expected, name


def test_rate_one_gives_the_base_lr_everywhere():
    model = _model()
    constructor = OPTIM_WRAPPER_CONSTRUCTORS.build(dict(
        type='LayerDecayOptimWrapperConstructor',
        optim_wrapper_cfg=dict(optimizer=dict(type='AdamW', lr=LR,
                                              weight_decay=WD)),
        paramwise_cfg=dict(layer_decay_rate=1.0)))
    lrs = {g['lr'] for g in constructor(model).optimizer.param_groups}
    assert lrs == {LR}


def test_config_mistakes_are_config_errors():
    with pytest.raises(ConfigError, match='layer_decay'):
        _build(_model(), layer_decy=0.5)
    with pytest.raises(ConfigError, match='layer_decay_rate'):
        OPTIM_WRAPPER_CONSTRUCTORS.build(dict(
            type='LayerDecayOptimWrapperConstructor',
            optim_wrapper_cfg=dict(optimizer=dict(type='AdamW', lr=LR)),
            paramwise_cfg=dict(layer_decay_rate=1.5)))
    with pytest.raises(ConfigError, match='backbone'):
        _build(torch.nn.Linear(2, 2))


def test_warmup_and_cosine_keep_the_layer_ratios():
    """The configs' schedule (per-iteration linear warm-up for 1 epoch, then
    cosine to lr * min_ratio) scales every group alike."""
    model = _model()
    optim_wrapper = _build(model)
    optimizer = optim_wrapper.optimizer
    base = [g['lr'] for g in optimizer.param_groups]
    epoch_length, epochs, start, min_ratio = 4, 5, 1e-3, 0.01
    schedulers = [
        LinearLR.build_iter_from_epoch(
            optimizer, start_factor=start, by_epoch=True, begin=0, end=1,
            epoch_length=epoch_length),
        CosineAnnealingLR.build_iter_from_epoch(
            optimizer, T_max=epochs - 1, eta_min_ratio=min_ratio,
            by_epoch=True, begin=1, end=epochs, epoch_length=epoch_length),
    ]
    factors = []
    for _ in range(epochs * epoch_length):
        factors.append([g['lr'] / b for g, b in zip(
            optimizer.param_groups, base)])
        optimizer.step()
        for scheduler in schedulers:
            scheduler.step()
    for row in factors:  # one factor shared by every group
        assert max(row) - min(row) < 1e-9
    factor = [row[0] for row in factors]
    # linear warm-up over the first epoch's iterations, reaching the base
    # lr at its last iteration (like BEiT's np.linspace warm-up)
    for it in range(epoch_length):
        assert factor[it] == pytest.approx(
            start + (1 - start) * it / (epoch_length - 1))
    # half cosine from 1 to min_ratio over the remaining iterations
    cosine_iters = (epochs - 1) * epoch_length
    for it in range(cosine_iters):
        expected = min_ratio + (1 - min_ratio) * (
            1 + math.cos(math.pi * it / cosine_iters)) / 2
        assert factor[epoch_length + it] == pytest.approx(expected)
