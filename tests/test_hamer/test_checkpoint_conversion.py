"""HaMeR checkpoint conversion: the official key layout (built here from the
reference's key table and shapes) converts, loads strictly, computes what
the official modules compute, and matches ViT-H's shapes; the Lightning file
is read without running its pickled objects."""
import argparse
import math
import os
from collections import OrderedDict

import pytest
import torch
import torch.nn.functional as F

from egohands.checkpoint_converters import get_converter
from egohands.checkpoint_converters.hamer import hamer_rules
from egohands.checkpoint_converters.key_rules import apply_key_rules
from egohands.checkpoint_converters.reading import read_foreign_checkpoint
from egohands.registry import MODELS
from egohands.utils.errors import CheckpointError, MissingAssetError

from .conftest import small_estimator_cfg

#: the small model of conftest.small_estimator_cfg
SMALL = dict(vit=48, vit_depth=2, grid=(8, 6), dim=32, depth=2, heads=2,
             head_dim=16, mlp=64, disc_hidden=1024)


def official_state_dict(vit, vit_depth, grid, dim, depth, heads, head_dim,
                        mlp, disc_hidden, make=torch.randn):
    """HaMeR's state dict layout (seed_methods.md 1.4, pose_transformer /
    discriminator module trees) with the given sizes."""
    inner, sd = heads * head_dim, OrderedDict()

    def add(name, *shape):
        sd[name] = make(*shape)

    add('backbone.patch_embed.proj.weight', vit, 3, 16, 16)
    add('backbone.patch_embed.proj.bias', vit)
    add('backbone.pos_embed', 1, 1 + grid[0] * grid[1], vit)
    for i in range(vit_depth):
        p = f'backbone.blocks.{i}.'
        for norm in ('norm1', 'norm2'):
            add(p + norm + '.weight', vit)
            add(p + norm + '.bias', vit)
        add(p + 'attn.qkv.weight', 3 * vit, vit)
        add(p + 'attn.qkv.bias', 3 * vit)
        add(p + 'attn.proj.weight', vit, vit)
        add(p + 'attn.proj.bias', vit)
        add(p + 'mlp.fc1.weight', 4 * vit, vit)
        add(p + 'mlp.fc1.bias', 4 * vit)
        add(p + 'mlp.fc2.weight', vit, 4 * vit)
        add(p + 'mlp.fc2.bias', vit)
    add('backbone.last_norm.weight', vit)
    add('backbone.last_norm.bias', vit)
    add('mano_head.init_hand_pose', 1, 96)
    add('mano_head.init_betas', 1, 10)
    add('mano_head.init_cam', 1, 3)
    add('mano_head.transformer.to_token_embedding.weight', dim, 1)
    add('mano_head.transformer.to_token_embedding.bias', dim)
    add('mano_head.transformer.pos_embedding', 1, 1, dim)
    for i in range(depth):
        p = f'mano_head.transformer.transformer.layers.{i}.'
        for part in '012':
            add(p + part + '.norm.weight', dim)
            add(p + part + '.norm.bias', dim)
        add(p + '0.fn.to_qkv.weight', 3 * inner, dim)
        add(p + '1.fn.to_q.weight', inner, dim)
        add(p + '1.fn.to_kv.weight', 2 * inner, vit)
        for part in '01':
            add(p + part + '.fn.to_out.0.weight', dim, inner)
            add(p + part + '.fn.to_out.0.bias', dim)
        add(p + '2.fn.net.0.weight', mlp, dim)
        add(p + '2.fn.net.0.bias', mlp)
        add(p + '2.fn.net.3.weight', dim, mlp)
        add(p + '2.fn.net.3.bias', dim)
    for name, out in (('decpose', 96), ('decshape', 10), ('deccam', 3)):
        add(f'mano_head.{name}.weight', out, dim)
        add(f'mano_head.{name}.bias', out)
    p = 'discriminator.'
    add(p + 'D_conv1.weight', 32, 9, 1, 1)
    add(p + 'D_conv1.bias', 32)
    add(p + 'D_conv2.weight', 32, 32, 1, 1)
    add(p + 'D_conv2.bias', 32)
    for j in range(15):
        add(p + f'pose_out.{j}.weight', 1, 32)
        add(p + f'pose_out.{j}.bias', 1)
    for name, (o, i) in dict(betas_fc1=(10, 10), betas_fc2=(5, 10),
                             betas_out=(1, 5), D_alljoints_fc1=(
                                 disc_hidden, 480),
                             D_alljoints_fc2=(disc_hidden, disc_hidden),
                             D_alljoints_out=(1, disc_hidden)).items():
        add(p + name + '.weight', o, i)
        add(p + name + '.bias', o)
    for name, shape in dict(betas=(1, 10), global_orient=(1, 3),
                            hand_pose=(1, 45), transl=(1, 3),
                            v_template=(778, 3), shapedirs=(778, 3, 10),
                            posedirs=(135, 2334), J_regressor=(16, 778),
                            lbs_weights=(778, 16)).items():
        add('mano.' + name, *shape)
    sd['mano.extra_joints_idxs'] = torch.tensor([744, 320, 443, 554, 671])
    sd['initialized'] = torch.tensor(False)
    return sd


class FakeCfgNode(dict):
    """Stands for yacs' CfgNode in the Lightning hyper-parameters."""


class RunsACommand:
    """An object whose unpickling would run a shell command."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f'touch {self.marker}', ))


def _lightning_file(tmp_path, state_dict):
    marker = tmp_path / 'pickle_ran_code'
    cfg = FakeCfgNode(MODEL=FakeCfgNode(IMAGE_SIZE=256))
    path = tmp_path / 'hamer.ckpt'
    torch.save({'epoch': 3, 'global_step': 1000,
                'pytorch-lightning_version': '2.0.3',
                'state_dict': state_dict,
                'optimizer_states': [{'state': {}, 'param_groups': []}],
                'hyper_parameters': {'cfg': cfg},
                'callbacks': {'ModelCheckpoint': RunsACommand(marker)}},
               path)
    return path, marker


def _convert(src, dst, keep_discriminator=False):
    args = argparse.Namespace(src=str(src), dst=str(dst), force=False,
                              keep_discriminator=keep_discriminator)
    return get_converter('hamer').run(args)


def _official_decoder(sd, token, context, depth, heads):
    """HaMeR's TransformerDecoder forward written from the official layout:
    PreNorm(LayerNorm) [self-attn, cross-attn, FFN], residual."""
    p = 'mano_head.transformer.'
    x = F.linear(token, sd[p + 'to_token_embedding.weight'],
                 sd[p + 'to_token_embedding.bias']) + sd[p + 'pos_embedding']

    def attend(q, k, v):
        def split(t):
            return t.reshape(t.shape[0], t.shape[1], heads, -1).transpose(1,
                                                                          2)
        q, k, v = split(q), split(k), split(v)
        weights = torch.softmax(q @ k.transpose(-1, -2) /
                                math.sqrt(q.shape[-1]), dim=-1)
        out = weights @ v
        return out.transpose(1, 2).reshape(out.shape[0], out.shape[2], -1)

    for i in range(depth):
        layer = f'{p}transformer.layers.{i}.'

        def norm(part, t):
            return F.layer_norm(t, t.shape[-1:],
                                sd[layer + part + '.norm.weight'],
                                sd[layer + part + '.norm.bias'])

        def out(part, t):
            return F.linear(t, sd[layer + part + '.fn.to_out.0.weight'],
                            sd[layer + part + '.fn.to_out.0.bias'])

        q, k, v = F.linear(norm('0', x), sd[layer + '0.fn.to_qkv.weight']
                           ).chunk(3, dim=-1)
        x = out('0', attend(q, k, v)) + x
        k, v = F.linear(context, sd[layer + '1.fn.to_kv.weight']).chunk(
            2, dim=-1)
        q = F.linear(norm('1', x), sd[layer + '1.fn.to_q.weight'])
        x = out('1', attend(q, k, v)) + x
        h = F.gelu(F.linear(norm('2', x), sd[layer + '2.fn.net.0.weight'],
                            sd[layer + '2.fn.net.0.bias']))
        x = F.linear(h, sd[layer + '2.fn.net.3.weight'],
                     sd[layer + '2.fn.net.3.bias']) + x
    return x


def test_official_layout_converts_and_loads_strictly(hand_dir, tmp_path):
    torch.manual_seed(0)
    official = official_state_dict(**SMALL)
    src, marker = _lightning_file(tmp_path, official)
    report = _convert(src, tmp_path / 'hamer_egohands.pth')
    assert not marker.exists()  # the pickled command never ran
    assert any('FakeCfgNode' in name for name in report.opaque_globals)
    dropped = {k for keys in report.dropped.values() for k in keys}
    assert dropped == {k for k in official if k.startswith(
        ('mano.', 'discriminator.', 'initialized'))}
    converted = torch.load(tmp_path / 'hamer_egohands.pth',
                           weights_only=True)
    assert converted['meta']['converter'] == 'hamer'
    model = MODELS.build(small_estimator_cfg(str(hand_dir)))
    model.load_state_dict(converted['state_dict'], strict=True)
    # the converted decoder computes what the official layout computes
    head = model.head.double()
    token = torch.zeros(2, 1, 1, dtype=torch.float64)
    context = torch.randn(2, 48, 48, dtype=torch.float64)
    ours = head.decoder(head.query_embed(token) + head.query_pos, context)
    official64 = {k: v.double() for k, v in official.items()}
    torch.testing.assert_close(
        ours, _official_decoder(official64, token, context, 2, 2),
        atol=1e-9, rtol=1e-9)
    torch.testing.assert_close(head.init_cam,
                               official64['mano_head.init_cam'])


def test_the_discriminator_is_kept_on_request(hand_dir, tmp_path):
    official = official_state_dict(**SMALL)
    src, _ = _lightning_file(tmp_path, official)
    _convert(src, tmp_path / 'with_d.pth', keep_discriminator=True)
    state = torch.load(tmp_path / 'with_d.pth',
                       weights_only=True)['state_dict']
    model = MODELS.build(small_estimator_cfg(
        str(hand_dir), loss_adversarial=dict(type='MANOAdversarialLoss')))
    model.load_state_dict(state, strict=True)
    disc = model.head.loss_adversarial.discriminator
    torch.testing.assert_close(disc.pose_fc1.weight,
                               official['discriminator.D_alljoints_fc1.'
                                        'weight'])
    torch.testing.assert_close(disc.joint_scores[7].bias,
                               official['discriminator.pose_out.7.bias'])


def test_vit_h_shapes_match_the_official_table(hand_dir):
    """The egohands HaMeR-H model (built on the meta device: no memory)
    has exactly the converted keys and shapes of the official model."""
    official = official_state_dict(
        vit=1280, vit_depth=32, grid=(16, 12), dim=1024, depth=6, heads=8,
        head_dim=64, mlp=1024, disc_hidden=1024,
        make=lambda *shape: torch.empty(*shape, device='meta'))
    assert official['backbone.pos_embed'].shape == (1, 193, 1280)
    layer0 = 'mano_head.transformer.transformer.layers.0.'
    assert official[layer0 + '0.fn.to_qkv.weight'].shape == (1536, 1024)
    assert official[layer0 + '1.fn.to_kv.weight'].shape == (1024, 1280)
    converted, _ = apply_key_rules(official, hamer_rules(), 'official')
    with torch.device('meta'):
        backbone = MODELS.build(dict(type='ViTPoseBackbone', arch='huge',
                                     drop_path_rate=0.55))
        head = MODELS.build(dict(
            type='MANOTransformerHead', hand_model=dict(
                type='MANOHand', model_path=str(hand_dir))))
    ours = {f'backbone.{k}': v.shape for k, v in
            backbone.state_dict().items()}
    ours.update({f'head.{k}': v.shape for k, v in head.state_dict().items()})
    assert ours == {k: v.shape for k, v in converted.items()}
    assert backbone.num_layers == 32 and backbone.embed_dim == 1280


def test_reader_and_converter_errors(tmp_path):
    with pytest.raises(MissingAssetError, match='hamer_demo_data'):
        _convert(tmp_path / 'absent.ckpt', tmp_path / 'out.pth')
    (tmp_path / 'garbage.ckpt').write_bytes(b'not a checkpoint')
    with pytest.raises(CheckpointError, match='garbage.ckpt'):
        read_foreign_checkpoint(str(tmp_path / 'garbage.ckpt'))
    state = official_state_dict(**SMALL)
    state['mano_head.new_layer.weight'] = torch.zeros(2)
    src, _ = _lightning_file(tmp_path, state)
    with pytest.raises(CheckpointError, match='new_layer'):
        _convert(src, tmp_path / 'out.pth')


@pytest.mark.slow
def test_command_line(tmp_path, run_python, repo_root):
    src, _ = _lightning_file(tmp_path, official_state_dict(**SMALL))
    dst = tmp_path / 'converted.pth'
    done = run_python([repo_root / 'tools' / 'convert_checkpoint.py',
                       'hamer', src, dst])
    assert done.returncode == 0, done.stderr
    assert 'sha256' in done.stdout and 'dropped' in done.stdout
    again = run_python([repo_root / 'tools' / 'convert_checkpoint.py',
                        'hamer', src, dst])
    assert again.returncode == 2
    assert again.stderr.strip().splitlines() == [
        f'error: {dst} exists; pass --force to overwrite it']
