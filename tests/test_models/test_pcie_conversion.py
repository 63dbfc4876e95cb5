"""tools/convert_checkpoint.py pcie: HP-ViT's released key layout (built
here with random tensors under the official names and shapes, small widths)
converts, loads strictly into the configs' model, and computes what the
released model computes: a reference forward pass written from the
definitions (mmpretrain ViT with its class token and run-time bicubic
pos-embed resize, torch's pre-norm decoder layer, the fused readout)."""
import math
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from mmengine.config import Config

from egohands.apis.cli import run_cli
from egohands.registry import MODELS
from test_models.test_vit_checkpoint_remap import (_attention,
                                                   _keys_cubic_resize,
                                                   _linear, _ln)
from tool_loader import load_tool

CONFIGS = Path(__file__).resolve().parents[2] / 'configs' / 'hpvit'
DIM, DEPTH = 32, 2  # the backbone of test_vit_checkpoint_remap's helpers
HEAD_DIM, HEAD_DEPTH = 64, 2  # one attention head (d // 64)
OFFICIAL_GRID, INPUT_GRID = (16, 12), (12, 16)


def official_state(readout_rows=3, seed=0):
    """``ViT_Pose_3D.state_dict()`` names and shapes, DataParallel prefix."""
    gen = torch.Generator().manual_seed(seed)

    def rand(*shape, scale=0.1, offset=0.0):
        return offset + scale * torch.randn(*shape, generator=gen)

    state = {
        'backbone.cls_token': rand(1, 1, DIM, scale=0.5),
        'backbone.pos_embed': rand(1, 1 + 16 * 12, DIM, scale=0.5),
        'backbone.patch_embed.projection.weight': rand(DIM, 3, 16, 16,
                                                       scale=0.05),
        'backbone.patch_embed.projection.bias': rand(DIM),
        'backbone.ln1.weight': rand(DIM, offset=1.0),
        'backbone.ln1.bias': rand(DIM),
    }
    parts = {'ln1': (DIM, ), 'attn.qkv': (3 * DIM, DIM),
             'attn.proj': (DIM, DIM), 'ln2': (DIM, ),
             'ffn.layers.0.0': (4 * DIM, DIM), 'ffn.layers.1': (DIM, 4 * DIM)}
    for i in range(DEPTH):
        for part, shape in parts.items():
            name = f'backbone.layers.{i}.{part}'
            state[name + '.weight'] = rand(
                *shape, offset=1.0 if part.startswith('ln') else 0.0)
            state[name + '.bias'] = rand(shape[0])
    head = 'pose_3d_head.'
    state.update({
        head + 'feature_mapping.weight': rand(HEAD_DIM, DIM),
        head + 'feature_mapping.bias': rand(HEAD_DIM),
        head + 'embedding': rand(21, HEAD_DIM, scale=1.0),
        head + 'pose_r_head.weight': rand(readout_rows, HEAD_DIM),
        head + 'pose_r_head.bias': rand(readout_rows),
    })
    layer_parts = {
        'self_attn.in_proj_weight': (3 * HEAD_DIM, HEAD_DIM),
        'self_attn.in_proj_bias': (3 * HEAD_DIM, ),
        'self_attn.out_proj.weight': (HEAD_DIM, HEAD_DIM),
        'self_attn.out_proj.bias': (HEAD_DIM, ),
        'linear1.weight': (4 * HEAD_DIM, HEAD_DIM),
        'linear1.bias': (4 * HEAD_DIM, ),
        'linear2.weight': (HEAD_DIM, 4 * HEAD_DIM),
        'linear2.bias': (HEAD_DIM, ),
    }
    layer_parts.update({key.replace('self_attn', 'multihead_attn'): shape
                        for key, shape in list(layer_parts.items())
                        if key.startswith('self_attn')})
    for i in range(HEAD_DEPTH):
        prefix = f'{head}decoder.layers.{i}.'
        for part, shape in layer_parts.items():
            state[prefix + part] = rand(*shape)
        for norm in ('norm1', 'norm2', 'norm3'):
            state[prefix + norm + '.weight'] = rand(HEAD_DIM, offset=1.0)
            state[prefix + norm + '.bias'] = rand(HEAD_DIM)
    return {'module.' + key: value for key, value in state.items()}


def small_model(arch='b', with_sigma=False):
    batch = dict(b=64, l=16)[arch]
    cfg = Config.fromfile(str(CONFIGS / f'hpvit-pcie_vit-{arch}_1xb{batch}'
                                         '-70e_egoexo4d-192x256.py'))
    cfg.model.backbone.arch = dict(embed_dim=DIM, depth=DEPTH, num_heads=2)
    cfg.model.head.update(in_channels=DIM, embed_dim=HEAD_DIM,
                          depth=HEAD_DEPTH)
    if with_sigma:
        cfg.model.head.with_sigma = True
        cfg.model.head.loss = dict(type='RLELoss', use_flow=False)
    return MODELS.build(cfg.model).eval()


def convert(tmp_path, state, extra=()):
    src, dst = tmp_path / 'ViTFormer-Base.pt', tmp_path / 'converted.pth'
    torch.save(dict(epoch=69, state_dict=state, val_loss=0.5,
                    val_p_mpjpe=9.3,
                    optimizer_state_dict=dict(state={}, param_groups=[])),
               src)
    assert run_cli(load_tool('convert_checkpoint').main,
                   ['pcie', str(src), str(dst), *extra]) == 0
    return torch.load(dst, weights_only=True)


def _attend(query, key_value, weight, bias, out_w, out_b):
    """One-head attention with a fused (3d, d) in-projection."""
    q_w, k_w, v_w = weight.chunk(3)
    q_b, k_b, v_b = bias.chunk(3)
    q, k, v = (F.linear(query, q_w, q_b), F.linear(key_value, k_w, k_b),
               F.linear(key_value, v_w, v_b))
    scores = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(q.shape[-1]),
                           dim=-1)
    return F.linear(scores @ v, out_w, out_b)


def reference_forward(official, image):
    """The released model on (B, 3, 192, 256): (B, 21, rows) readout."""
    state = {k[len('module.'):]: v for k, v in official.items()}
    bb = {k[len('backbone.'):]: v for k, v in state.items()
          if k.startswith('backbone.')}
    x = F.conv2d(image, bb['patch_embed.projection.weight'],
                 bb['patch_embed.projection.bias'], stride=16)
    grid = x.shape[-2:]
    assert tuple(grid) == INPUT_GRID
    x = x.flatten(2).transpose(1, 2)
    pos = bb['pos_embed']
    patch_pos = torch.stack([
        _keys_cubic_resize(pos[0, 1:, c].reshape(OFFICIAL_GRID).tolist(),
                           *INPUT_GRID).reshape(-1)
        for c in range(DIM)], dim=-1).float()
    x = torch.cat([bb['cls_token'].expand(len(x), -1, -1), x], dim=1)
    x = x + torch.cat([pos[:, :1], patch_pos[None]], dim=1)
    for i in range(DEPTH):
        name = f'layers.{i}.'
        x = x + _attention(_ln(x, bb, name + 'ln1'), bb, name + 'attn')
        hidden = F.gelu(_linear(_ln(x, bb, name + 'ln2'), bb,
                                name + 'ffn.layers.0.0'))
        x = x + _linear(hidden, bb, name + 'ffn.layers.1')
    tokens = _ln(x, bb, 'ln1')[:, 1:]  # (B, N, C) = featmap flattened
    head = {k[len('pose_3d_head.'):]: v for k, v in state.items()
            if k.startswith('pose_3d_head.')}
    memory = F.linear(tokens, head['feature_mapping.weight'],
                      head['feature_mapping.bias'])
    q = head['embedding'].expand(len(x), -1, -1)
    for i in range(HEAD_DEPTH):
        p = f'decoder.layers.{i}.'

        def norm(t, n):
            return F.layer_norm(t, (HEAD_DIM, ), head[p + n + '.weight'],
                                head[p + n + '.bias'], eps=1e-5)

        def attn(kind, query, kv):
            return _attend(query, kv, head[p + kind + '.in_proj_weight'],
                           head[p + kind + '.in_proj_bias'],
                           head[p + kind + '.out_proj.weight'],
                           head[p + kind + '.out_proj.bias'])

        h = norm(q, 'norm1')
        q = q + attn('self_attn', h, h)
        q = q + attn('multihead_attn', norm(q, 'norm2'), memory)
        hidden = F.relu(F.linear(norm(q, 'norm3'), head[p + 'linear1.weight'],
                                 head[p + 'linear1.bias']))
        q = q + F.linear(hidden, head[p + 'linear2.weight'],
                         head[p + 'linear2.bias'])
    return F.linear(q, head['pose_r_head.weight'], head['pose_r_head.bias'])


def test_official_layout_loads_strictly_into_both_configs(tmp_path):
    converted = convert(tmp_path, official_state())
    meta = converted['meta']
    assert meta['converter'] == 'pcie' and meta['patch_grid'] == [12, 16]
    for arch in ('b', 'l'):
        small_model(arch).load_state_dict(converted['state_dict'],
                                          strict=True)
    state = converted['state_dict']
    assert bool(state['head.codec.has_stats'])
    assert state['backbone.vit.pos_embed'].shape == (1, 1 + 12 * 16, DIM)


@pytest.mark.parametrize('rows', [3, 6])
def test_converted_model_computes_the_released_forward(tmp_path, rows):
    official = official_state(rows, seed=rows)
    converted = convert(tmp_path, official)['state_dict']
    model = small_model(with_sigma=rows == 6)
    model.load_state_dict(converted, strict=True)
    image = torch.randn(2, 3, 192, 256, generator=torch.Generator()
                        .manual_seed(7))
    with torch.no_grad():
        out = model.head(model.backbone(image))
        expected = reference_forward(official, image)
    torch.testing.assert_close(out['joints'], expected[..., :3], atol=1e-4,
                               rtol=1e-4)
    if rows == 6:  # HP-ViT's sigma: sigmoid of rows 3-5 (+1e-9)
        torch.testing.assert_close(out['sigma'],
                                   torch.sigmoid(expected[..., 3:]),
                                   atol=1e-4, rtol=1e-4)


def test_unknown_head_key_and_readout_rows_are_refused(tmp_path, capsys):
    state = official_state()
    state['module.pose_3d_head.feature_pos_enc'] = torch.zeros(1, 3, 4)
    src = tmp_path / 'extra.pt'
    torch.save(dict(state_dict=state), src)
    tool = load_tool('convert_checkpoint')
    assert run_cli(tool.main, ['pcie', str(src), str(tmp_path / 'o.pth')]) \
        == 2
    assert 'feature_pos_enc' in capsys.readouterr().err
    state = official_state(readout_rows=4)
    torch.save(dict(state_dict=state), src)
    assert run_cli(tool.main, ['pcie', str(src), str(tmp_path / 'o.pth')]) \
        == 2
    err = capsys.readouterr().err
    assert err.count('\n') == 1 and 'has 4 rows' in err
    assert not (tmp_path / 'o.pth').exists()
