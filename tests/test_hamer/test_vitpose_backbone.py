"""ViTPoseBackbone: padded patch grid, folded pos-embed slot, central crop,
drop-path ramp and checkpoint loading through the shared remapping."""
from collections import OrderedDict

import pytest
import torch
import torch.nn.functional as F

from egohands.models.backbones.vitpose import ViTPoseBackbone
from egohands.utils.errors import ConfigError

SMALL = dict(embed_dim=24, depth=2, num_heads=2)


def _backbone(**kwargs):
    torch.manual_seed(0)
    cfg = dict(arch=SMALL, img_size=(64, 48))
    cfg.update(kwargs)
    return ViTPoseBackbone(**cfg).eval()


def test_tokens_are_padded_patches_plus_both_pos_embed_parts():
    model = _backbone(depth=0)
    with torch.no_grad():
        model.pos_embed.normal_()
        model.last_norm.weight.fill_(1.0)
        model.last_norm.bias.zero_()
    image = torch.randn(1, 3, 64, 48)
    out = model(image)[0]
    assert out.shape == (1, 24, 4, 3)
    # by hand: patch (i, j) sees rows 16i-2 .. 16i+13 of the zero-padded
    # image, and every patch gets pos_embed[1 + k] + pos_embed[0]
    padded = F.pad(image, (2, 2, 2, 2))
    weight, bias = model.patch_embed.proj.weight, model.patch_embed.proj.bias
    for i in range(4):
        for j in range(3):
            window = padded[0, :, 16 * i:16 * i + 16, 16 * j:16 * j + 16]
            token = (weight * window).sum(dim=(1, 2, 3)) + bias
            token = token + model.pos_embed[0, 1 + 3 * i + j] + \
                model.pos_embed[0, 0]
            expected = F.layer_norm(token, (24, ), eps=1e-6)
            torch.testing.assert_close(out[0, :, i, j], expected,
                                       atol=1e-5, rtol=1e-5)


def test_a_wider_input_is_cut_to_its_central_columns():
    model = _backbone()
    square = torch.randn(2, 3, 64, 64)
    torch.testing.assert_close(model(square)[0],
                               model(square[..., 8:-8])[0])
    with pytest.raises(ConfigError, match='img_size'):
        _backbone(center_crop_input=False)(square)
    with pytest.raises(ConfigError, match='img_size'):
        model(torch.randn(1, 3, 48, 48))


def test_drop_path_grows_linearly_to_the_rate():
    model = ViTPoseBackbone(arch=SMALL, depth=3, img_size=(32, 32),
                            drop_path_rate=0.55)
    rates = [float(getattr(block.drop_path1, 'drop_prob', 0.0))
             for block in model.blocks]
    assert rates == pytest.approx([0.0, 0.275, 0.55])


def test_vitpose_checkpoint_loads_with_its_slot_folded_in():
    source = _backbone()
    with torch.no_grad():
        source.pos_embed.normal_()  # a non-zero first slot
    state = OrderedDict(('backbone.' + k, v)
                        for k, v in source.state_dict().items())
    state['keypoint_head.final_layer.weight'] = torch.zeros(3)  # ignored
    target = _backbone()
    target.checkpoint_key_style = 'vitpose'
    target.load_checkpoint({'state_dict': state})
    image = torch.randn(1, 3, 64, 48)
    torch.testing.assert_close(target(image)[0], source(image)[0])
    assert torch.all(target.pos_embed[:, 0] == 0)


def test_mmpretrain_checkpoint_drops_the_cls_position():
    source = _backbone()
    with torch.no_grad():
        source.pos_embed.normal_()
        source.pos_embed[:, 0] = 0  # the model the mmpretrain keys describe
    names = {'norm1': 'ln1', 'norm2': 'ln2', 'mlp.fc1': 'ffn.layers.0.0',
             'mlp.fc2': 'ffn.layers.1'}
    state = OrderedDict()
    for key, value in source.state_dict().items():
        if key.startswith('blocks.'):
            for old, new in names.items():
                key = key.replace(f'.{old}.', f'.{new}.')
            key = key.replace('blocks.', 'layers.', 1)
        key = key.replace('patch_embed.proj.', 'patch_embed.projection.')
        key = key.replace('last_norm.', 'ln1.')
        state[key] = value
    state['cls_token'] = torch.randn(1, 1, 24)
    state['pos_embed'] = state['pos_embed'].clone()
    state['pos_embed'][:, 0] = torch.randn(24)  # the cls token's position
    target = _backbone()
    report = target.load_checkpoint(state)
    assert report.key_style == 'mmpretrain'
    assert report.unexpected_keys == ['cls_token']
    assert not report.missing_keys
    image = torch.randn(1, 3, 64, 48)
    torch.testing.assert_close(target(image)[0], source(image)[0])
