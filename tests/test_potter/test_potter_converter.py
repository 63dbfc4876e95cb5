"""The POTTER baseline converter: official keys and shapes (written from the
architecture, official_shapes.py) load strictly into the model of
configs/potter/potter_poolattn-s12_1xb64-70e_egoexo4d-224x224.py,
each tensor where it belongs."""
from argparse import Namespace
from pathlib import Path

import numpy as np
import pytest
import torch
from mmengine.config import Config

from egohands.checkpoint_converters import CONVERTERS, get_converter
from egohands.checkpoint_converters.potter import (BASELINE_JOINT_MEAN_MM,
                                                   BASELINE_JOINT_STD_MM,
                                                   convert_potter)
from egohands.registry import MODELS
from egohands.utils.errors import (CheckpointError, ConfigError,
                                   MissingAssetError)

from .official_shapes import baseline_shapes, random_state_dict

CONFIG = Path(__file__).resolve().parents[2] / 'configs' / 'potter' / \
    'potter_poolattn-s12_1xb64-70e_egoexo4d-224x224.py'

#: official key -> egohands key, one per kind of rule
PLACEMENTS = {
    'poolattnformer_pose.poolattn_cls.patch_embed.proj.weight':
    'backbone.stem.weight',
    'poolattnformer_pose.poolattn_cls.network.4.3.token_mixer.proj0.weight':
    'backbone.stages.2.3.token_mixer.patch_proj.weight',
    'poolattnformer_pose.poolattn_cls.network.4.3.token_mixer.proj1.weight':
    'backbone.stages.2.3.token_mixer.embed_proj.weight',
    'poolattnformer_pose.poolattn_cls.network.4.3.token_mixer.proj2.bias':
    'backbone.stages.2.3.token_mixer.out_proj.bias',
    'poolattnformer_pose.poolattn_cls.network.6.1.layer_scale_2':
    'backbone.stages.3.1.layer_scale_2',
    'poolattnformer_pose.poolattn_cls.network.3.proj.weight':
    'backbone.downsamples.1.weight',
    'poolattnformer_pose.poolattn_cls.norm4.bias':
    'backbone.stage_norms.2.bias',
    'poolattnformer_pose.stage1.patch_emb1.proj.weight':
    'backbone.hr_upsamplers.0.0.proj.weight',
    'poolattnformer_pose.stage1.patch_emb3.1.norm.weight':
    'backbone.hr_upsamplers.2.1.norm.weight',
    'poolattnformer_pose.stage1.Block3.3.mlp.fc1.weight':
    'backbone.hr_stages.2.3.mlp.fc1.weight',
    'poolattnformer_pose.norm0.weight': 'backbone.hr_norm.weight',
    'poolattnformer_pose.norm3.weight': 'backbone.low_res_norm.weight',
    'poolattnformer_pose.poolattn_cls.norm0.weight':
    'backbone.stage_norms.0.weight',
    'up_sample.0.weight': 'head.expand.0.weight',
    'norm1.bias': 'head.expand_norm.bias',
    'final_layer.weight': 'head.volume_proj.weight',
    'pose_layer.3.weight': 'head.volume_refine.3.weight',
    'pose_3d_head.2.weight': 'head.joint_regressor.2.weight',
    'pose_3d_head.3.bias': 'head.joint_regressor.3.bias',
}


@pytest.fixture(scope='module')
def baseline_model():
    cfg = Config.fromfile(str(CONFIG))
    cfg.model.backbone.pretrained = None
    return MODELS.build(cfg.model).eval()


def test_converter_is_registered():
    assert 'potter' in CONVERTERS
    converter = get_converter('potter')
    assert converter.NAME == 'potter' and 'POTTER' in converter.DESCRIPTION


@pytest.mark.parametrize('prefix', ['', 'module.'])
def test_official_keys_load_strictly(baseline_model, prefix):
    official = random_state_dict(baseline_shapes(), prefix=prefix)
    converted = convert_potter(official)
    result = baseline_model.load_state_dict(converted, strict=True)
    assert not result.missing_keys and not result.unexpected_keys
    assert len(converted) == len(official) + 3  # + the codec buffers
    own = baseline_model.state_dict()
    for source, target in PLACEMENTS.items():
        assert torch.equal(own[target], official[prefix + source]), source
    np.testing.assert_allclose(own['head.codec.std'].numpy(),
                               BASELINE_JOINT_STD_MM, rtol=1e-6)
    assert bool(own['head.codec.has_stats'])


def test_unknown_key_is_refused():
    official = random_state_dict(baseline_shapes())
    official['poolattnformer_pose.stage1.Block4.0.norm1.weight'] = \
        torch.zeros(64)
    with pytest.raises(CheckpointError, match='Block4'):
        convert_potter(official)


def test_convert_file_and_decode_with_the_baseline_statistics(
        tmp_path, baseline_model):
    official = random_state_dict(baseline_shapes(), prefix='module.',
                                 seed=1)
    src = tmp_path / 'POTTER-HandPose-ego4d.pt'
    torch.save(dict(epoch=12, state_dict=official,
                    optimizer_state_dict=dict(state={}, param_groups=[]),
                    val_loss=0.25), src)
    dst = tmp_path / 'converted' / 'potter.pth'
    args = Namespace(src=str(src), dst=str(dst), force=False)
    report = get_converter('potter').run(args)
    assert len(report.renamed) == len(official) and not report.dropped
    written = torch.load(dst, map_location='cpu', weights_only=True)
    assert written['meta']['converter'] == 'potter'
    baseline_model.load_state_dict(written['state_dict'], strict=True)
    with pytest.raises(ConfigError, match='--force'):
        get_converter('potter').run(args)
    # the converted model decodes as the baseline: wrist at the origin,
    # mean pose for a zero output
    codec = baseline_model.head.codec
    zero = codec.decode(torch.zeros(1, 21, 3))[0]
    np.testing.assert_allclose(zero.numpy(), BASELINE_JOINT_MEAN_MM,
                               rtol=1e-6)


@pytest.mark.slow
def test_command_line(tmp_path, run_python, baseline_model):
    official = random_state_dict(baseline_shapes(), seed=2)
    src = tmp_path / 'potter.pt'
    torch.save(dict(state_dict=official), src)
    dst = tmp_path / 'potter_egohands.pth'
    done = run_python(['tools/convert_checkpoint.py', 'potter', src, dst])
    assert done.returncode == 0, done.stderr[-2000:]
    assert 'written' in done.stdout and 'sha256' in done.stdout
    state = torch.load(dst, weights_only=True)['state_dict']
    baseline_model.load_state_dict(state, strict=True)


def test_missing_source_says_where_to_get_it(tmp_path):
    args = Namespace(src=str(tmp_path / 'absent.pt'),
                     dst=str(tmp_path / 'out.pth'), force=False)
    with pytest.raises(MissingAssetError,
                       match='1WSvV7wvmYBvFhB5KwK6PRXwV5dpHd9Hf'):
        get_converter('potter').run(args)
