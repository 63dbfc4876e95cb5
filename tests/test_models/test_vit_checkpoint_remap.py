"""ViTPose / mmpretrain checkpoints -> timm ViT.

Fake checkpoints are built with the official key names and shapes (small
dims) and checked against a reference forward pass written here from the
definitions of ViTPose's and mmpretrain's ViT, independently of timm.
"""
import math

import pytest
import torch
import torch.nn.functional as F

from egohands.checkpoint_converters.reading import extract_state_dict
from egohands.models.backbones.checkpoint_remap import (infer_grid,
                                                        resize_pos_embed)
from egohands.models.backbones.vit import ViTBackbone
from egohands.utils.errors import CheckpointError, MissingAssetError

DIM, DEPTH, HEADS = 32, 2, 2
IMG = (64, 48)  # (h, w) -> 4 x 3 patches


def _blocks(prefix_of, gen):
    """Random block tensors keyed by (official name) for every block."""
    shapes = dict(norm1=[(DIM, ), (DIM, )], qkv=[(3 * DIM, DIM), (3 * DIM, )],
                  proj=[(DIM, DIM), (DIM, )], norm2=[(DIM, ), (DIM, )],
                  fc1=[(4 * DIM, DIM), (4 * DIM, )],
                  fc2=[(DIM, 4 * DIM), (DIM, )])
    state = {}
    for i in range(DEPTH):
        for part, (w_shape, b_shape) in shapes.items():
            name = prefix_of(i, part)
            scale = 0.2 if part.startswith('norm') else 0.1
            state[name + '.weight'] = (1.0 if part.startswith('norm') else
                                       0.0) + scale * torch.randn(
                                           w_shape, generator=gen)
            state[name + '.bias'] = 0.1 * torch.randn(b_shape, generator=gen)
    return state


def fake_vitpose(num_patches=12, seed=0):
    gen = torch.Generator().manual_seed(seed)
    names = dict(norm1='norm1', qkv='attn.qkv', proj='attn.proj',
                 norm2='norm2', fc1='mlp.fc1', fc2='mlp.fc2')
    state = _blocks(lambda i, p: f'blocks.{i}.{names[p]}', gen)
    state.update({
        'patch_embed.proj.weight': 0.05 * torch.randn(DIM, 3, 16, 16,
                                                      generator=gen),
        'patch_embed.proj.bias': 0.1 * torch.randn(DIM, generator=gen),
        'pos_embed': 0.5 * torch.randn(1, 1 + num_patches, DIM, generator=gen),
        'last_norm.weight': 1 + 0.1 * torch.randn(DIM, generator=gen),
        'last_norm.bias': 0.1 * torch.randn(DIM, generator=gen),
    })
    return {'backbone.' + key: value for key, value in state.items()}


def fake_mmpretrain(num_patches=12, seed=1):
    gen = torch.Generator().manual_seed(seed)
    names = dict(norm1='ln1', qkv='attn.qkv', proj='attn.proj', norm2='ln2',
                 fc1='ffn.layers.0.0', fc2='ffn.layers.1')
    state = _blocks(lambda i, p: f'layers.{i}.{names[p]}', gen)
    state.update({
        'patch_embed.projection.weight': 0.05 * torch.randn(
            DIM, 3, 16, 16, generator=gen),
        'patch_embed.projection.bias': 0.1 * torch.randn(DIM, generator=gen),
        'cls_token': 0.5 * torch.randn(1, 1, DIM, generator=gen),
        'pos_embed': 0.5 * torch.randn(1, 1 + num_patches, DIM, generator=gen),
        'ln1.weight': 1 + 0.1 * torch.randn(DIM, generator=gen),
        'ln1.bias': 0.1 * torch.randn(DIM, generator=gen),
    })
    return {'backbone.' + key: value for key, value in state.items()}


def _ln(x, state, name):
    return F.layer_norm(x, (DIM, ), state[name + '.weight'],
                        state[name + '.bias'], eps=1e-6)


def _linear(x, state, name):
    return F.linear(x, state[name + '.weight'], state[name + '.bias'])


def _attention(x, state, name):
    batch, tokens, _ = x.shape
    qkv = _linear(x, state, name + '.qkv').reshape(batch, tokens, 3, HEADS,
                                                   DIM // HEADS)
    q, k, v = qkv.permute(2, 0, 3, 1, 4)
    weights = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(DIM // HEADS),
                            dim=-1)
    out = (weights @ v).transpose(1, 2).reshape(batch, tokens, DIM)
    return _linear(out, state, name + '.proj')


def reference_forward(state, image, style):
    """ViTPose / mmpretrain forward from the definitions; (B, C, h, w)."""
    state = {k[len('backbone.'):]: v for k, v in state.items()}
    if style == 'vitpose':
        names = dict(embed='patch_embed.proj', block='blocks', norm1='norm1',
                     attn='attn', norm2='norm2', fc1='mlp.fc1',
                     fc2='mlp.fc2', last='last_norm')
    else:
        names = dict(embed='patch_embed.projection', block='layers',
                     norm1='ln1', attn='attn', norm2='ln2',
                     fc1='ffn.layers.0.0', fc2='ffn.layers.1', last='ln1')
    x = F.conv2d(image, state[names['embed'] + '.weight'],
                 state[names['embed'] + '.bias'], stride=16)
    grid = x.shape[-2:]
    x = x.flatten(2).transpose(1, 2)
    pos = state['pos_embed']
    if style == 'vitpose':  # the cls slot is added to every patch
        x = x + pos[:, 1:] + pos[:, :1]
    else:  # a real cls token in front
        x = torch.cat([state['cls_token'].expand(len(x), -1, -1), x], dim=1)
        x = x + pos
    for i in range(DEPTH):
        block = f'{names["block"]}.{i}.'
        x = x + _attention(_ln(x, state, block + names['norm1']), state,
                           block + names['attn'])
        hidden = F.gelu(_linear(_ln(x, state, block + names['norm2']), state,
                                block + names['fc1']))
        x = x + _linear(hidden, state, block + names['fc2'])
    x = _ln(x, state, names['last'])
    if style != 'vitpose':
        x = x[:, 1:]
    return x.transpose(1, 2).reshape(len(x), DIM, *grid)


def _backbone(**kwargs):
    arch = dict(embed_dim=DIM, depth=DEPTH, num_heads=HEADS)
    return ViTBackbone(arch=arch, img_size=IMG, **kwargs).eval()


def _assert_matches_reference(backbone, state, style):
    image = torch.randn(2, 3, *IMG)
    with torch.no_grad():
        torch.testing.assert_close(backbone(image)[0],
                                   reference_forward(state, image, style),
                                   atol=1e-5, rtol=1e-4)


def test_vitpose_checkpoint_loads_strictly_and_matches_reference():
    state = fake_vitpose()
    state['keypoint_head.final_layer.weight'] = torch.zeros(21, DIM, 1, 1)
    backbone = _backbone(strict_load=True)
    report = backbone.load_checkpoint({'state_dict': state, 'meta': {}})
    assert report.key_style == 'vitpose' and report.clean
    _assert_matches_reference(backbone, state, 'vitpose')


def test_mmpretrain_checkpoint_loads_strictly_with_cls_token():
    state = fake_mmpretrain()
    backbone = _backbone(with_cls_token=True, strict_load=True)
    report = backbone.load_checkpoint(
        {'module.' + key: value for key, value in state.items()})
    assert report.key_style == 'mmpretrain' and report.clean
    _assert_matches_reference(backbone, state, 'mmpretrain')


def test_mmpretrain_into_cls_free_model_reports_the_cls_token():
    backbone = _backbone()
    report = backbone.load_checkpoint(fake_mmpretrain())
    assert report.unexpected_keys == ['cls_token']
    assert not report.missing_keys and not report.shape_mismatches
    # the cls slot is dropped, not folded in
    pos = fake_mmpretrain()['backbone.pos_embed']
    torch.testing.assert_close(backbone.vit.pos_embed.data, pos[:, 1:])
    with pytest.raises(CheckpointError, match='cls_token'):
        _backbone(strict_load=True).load_checkpoint(fake_mmpretrain())


def test_missing_and_mismatched_keys_are_reported(tmp_path):
    state = fake_vitpose()
    del state['backbone.blocks.1.mlp.fc2.bias']
    state['backbone.blocks.0.attn.proj.weight'] = torch.zeros(DIM, DIM + 1)
    path = tmp_path / 'vitpose.pth'
    torch.save({'state_dict': state}, path)
    report = _backbone(pretrained=str(path)).load_checkpoint(str(path))
    assert report.missing_keys == ['blocks.1.mlp.fc2.bias']
    assert report.shape_mismatches == [('blocks.0.attn.proj.weight',
                                        (DIM, DIM + 1), (DIM, DIM))]
    assert 'missing keys' in str(report)


def test_init_weights_loads_the_pretrained_file(tmp_path):
    state = fake_vitpose()
    path = tmp_path / 'vitpose.pth'
    torch.save(state, path)
    backbone = _backbone(pretrained=str(path))
    backbone.init_weights()
    torch.testing.assert_close(backbone.vit.norm.weight.data,
                               state['backbone.last_norm.weight'])


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(MissingAssetError, match='pretrained'):
        _backbone().load_checkpoint(str(tmp_path / 'nope.pth'))


def _keys_cubic_resize(values, out_rows, out_cols, a=-0.75):
    """Separable cubic convolution (Keys, a = -0.75), pixel-centre sampling,
    clamped borders: a loop formulation of bicubic resizing."""
    def kernel(t):
        t = abs(t)
        if t <= 1:
            return (a + 2) * t**3 - (a + 3) * t**2 + 1
        if t < 2:
            return a * t**3 - 5 * a * t**2 + 8 * a * t - 4 * a
        return 0.0

    def resize_axis(rows_in, n_out):
        n_in = len(rows_in)
        out = []
        for i in range(n_out):
            src = (i + 0.5) * n_in / n_out - 0.5
            base = math.floor(src)
            total = 0.0
            for tap in range(base - 1, base + 3):
                index = min(max(tap, 0), n_in - 1)
                total = total + kernel(src - tap) * rows_in[index]
            out.append(total)
        return out

    columns_done = [resize_axis(row, out_cols) for row in values]
    transposed = [list(col) for col in zip(*columns_done)]
    done = [resize_axis(col, out_rows) for col in transposed]
    return torch.tensor(done).T


def test_pos_embed_is_resized_bicubically_to_a_new_grid():
    state = fake_vitpose()  # a 4 x 3 checkpoint grid with a cls slot
    backbone = ViTBackbone(arch=dict(embed_dim=DIM, depth=DEPTH,
                                     num_heads=HEADS), img_size=(112, 80),
                           checkpoint_grid=(4, 3), strict_load=True)
    backbone.load_checkpoint(state)
    pos = state['backbone.pos_embed']
    for channel in (0, 7):
        grid = pos[0, 1:, channel].reshape(4, 3).tolist()
        # ViTPose's cls slot is folded into every patch position
        expected = _keys_cubic_resize(grid, 7, 5) + pos[0, 0, channel]
        got = backbone.vit.pos_embed.data[0, :, channel].reshape(7, 5)
        torch.testing.assert_close(got, expected.float(), atol=1e-5,
                                   rtol=1e-5)


def test_ambiguous_grid_asks_for_checkpoint_grid():
    with pytest.raises(CheckpointError, match='checkpoint_grid'):
        infer_grid(192, (8, 6))
    assert infer_grid(192, (16, 12)) == (16, 12)
    assert infer_grid(196, (8, 6)) == (14, 14)
    assert infer_grid(192, (8, 6), hint=(12, 16)) == (12, 16)
    with pytest.raises(CheckpointError, match='checkpoint_grid'):
        infer_grid(192, (8, 6), hint=(10, 10))


def test_resize_keeps_constants_and_identity():
    constant = torch.full((1, 12, 5), 2.5)
    torch.testing.assert_close(resize_pos_embed(constant, (4, 3), (7, 5)),
                               torch.full((1, 35, 5), 2.5))
    embed = torch.randn(1, 12, 5)
    assert resize_pos_embed(embed, (4, 3), (4, 3)) is embed


def test_extract_state_dict_keeps_only_the_backbone():
    state = {'backbone.a': torch.zeros(1), 'head.b': torch.zeros(1)}
    assert list(extract_state_dict({'model': state}, 'backbone.')) == ['a']
    assert list(extract_state_dict({'a': torch.zeros(1)}, 'backbone.')) == [
        'a']
