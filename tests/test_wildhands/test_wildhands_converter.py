"""WildHands checkpoint conversion: a Lightning file with the official key
names and shapes (seed_methods.md 2.1 / 2.4; the ResNet-50 layout of
torchvision, which ARCTIC's resnet.py copies without ``fc``) converts, loads
strictly into the recipe's model, and the converted head computes what the
official HMR layer computes."""
import argparse
from collections import OrderedDict

import pytest
import torch
import torch.nn.functional as F
from mmengine.config import Config

from egohands.checkpoint_converters import get_converter
from egohands.registry import MODELS
from egohands.utils.errors import CheckpointError
from test_wildhands.test_wildhands_configs import RECIPE

FEAT, KPE = 2048, 80


def official_state_dict():
    """The released state dict's layout with random values."""
    import torchvision
    sd = OrderedDict()

    def add(name, *shape):
        sd[name] = torch.randn(*shape) * 0.01

    resnet = torchvision.models.resnet50().state_dict()
    for prefix in ('model.backbone.', 'model.hand_backbone.'):
        for key, value in resnet.items():
            if not key.startswith('fc.'):
                sd[prefix + key] = (value.clone() if value.dtype == torch.long
                                    else torch.randn_like(value) * 0.01)
    add('model.feature_conv.0.weight', 1024, FEAT + KPE, 1, 1)
    add('model.feature_conv.2.weight', 512, 1024, 3, 3)
    add('model.feature_conv.4.weight', 256, 512, 3, 3)
    add('model.feature_conv.7.weight', FEAT, 256 * 3 * 3)
    add('model.feature_conv.7.bias', FEAT)
    for side in 'rl':
        head = f'model.head_{side}.'
        for index, (out, inp) in zip((0, 2, 4), ((512, FEAT), (512, 512),
                                                 (3, 512))):
            add(f'{head}cam_init.{index}.weight', out, inp)
            add(f'{head}cam_init.{index}.bias', out)
        add(f'{head}hmr_layer.refine.0.weight', 1024, FEAT + 96 + 3 + 10)
        add(f'{head}hmr_layer.refine.0.bias', 1024)
        add(f'{head}hmr_layer.refine.3.weight', 1024, 1024)
        add(f'{head}hmr_layer.refine.3.bias', 1024)
        for name, size in (('pose_6d', 96), ('cam_t/wp', 3), ('shape', 10)):
            add(f'{head}hmr_layer.decoders.{name}.weight', size, 1024)
            add(f'{head}hmr_layer.decoders.{name}.bias', size)
        for prefix in (f'model.mano_{side}.mano.', f'mano_{side}.'):
            add(prefix + 'shapedirs', 778, 3, 10)
            add(prefix + 'v_template', 778, 3)
            add(prefix + 'J_regressor', 16, 778)
    for index, (out, inp) in zip((0, 2, 4, 6), ((1024, 154), (512, 1024),
                                                (128, 512), (9, 128))):
        add(f'model.grasp_classifier.{index}.weight', out, inp)
        add(f'model.grasp_classifier.{index}.bias', out)
    add('model.head_o.hmr_layer.refine.0.weight', 1024, FEAT + 10)
    add('model.arti_head.decoders.arti.weight', 1, 1024)
    return sd


@pytest.fixture(scope='module')
def converted(tmp_path_factory):
    folder = tmp_path_factory.mktemp('wildhands_ckpt')
    source = official_state_dict()
    src, dst = folder / 'wildhands.ckpt', folder / 'wildhands_egohands.pth'
    torch.save({'epoch': 7, 'global_step': 1000,
                'pytorch-lightning_version': '1.9.0',
                'state_dict': source}, src)
    report = get_converter('wildhands').run(argparse.Namespace(
        src=str(src), dst=str(dst), force=False))
    state = torch.load(dst, weights_only=True)['state_dict']
    return source, state, report


def test_official_layout_loads_strictly_into_the_recipe(converted,
                                                        hand_dir):
    source, state, report = converted
    cfg = Config.fromfile(str(RECIPE))
    model_cfg = cfg.model.to_dict()
    for name in ('backbone', 'hand_backbone'):
        model_cfg[name]['pretrained'] = False
    model_cfg['hand_model']['model_path'] = str(hand_dir)
    model = MODELS.build(model_cfg)
    model.load_state_dict(state, strict=True)
    torch.testing.assert_close(
        model.heads.left.decoders.cam.weight,
        source['model.head_l.hmr_layer.decoders.cam_t/wp.weight'])
    torch.testing.assert_close(
        model.hand_backbone.model.layer4[2].conv3.weight,
        source['model.hand_backbone.layer4.2.conv3.weight'])
    dropped = {key for keys in report.dropped.values() for key in keys}
    assert 'model.head_o.hmr_layer.refine.0.weight' in dropped
    assert 'model.arti_head.decoders.arti.weight' in dropped
    assert 'mano_r.shapedirs' in dropped
    assert not any('mano' in key for key in state)


def test_converted_head_computes_the_official_iterations(converted,
                                                         hand_dir):
    """Three official HMR steps written from the source tensors: refine on
    [feature, pose_6d, cam_t/wp, shape], residual readouts."""
    source, state, _ = converted
    head = MODELS.build(dict(type='HMRMANOHead', in_channels=FEAT,
                             hand_model=dict(model_path=str(hand_dir))))
    head.load_state_dict({k[len('heads.right.'):]: v for k, v in
                          state.items() if k.startswith('heads.right.')})
    head.eval()
    feat = torch.randn(2, FEAT)
    p = 'model.head_r.'

    def linear(x, name):
        return F.linear(x, source[p + name + '.weight'],
                        source[p + name + '.bias'])

    cam = linear(F.relu(linear(F.relu(linear(feat, 'cam_init.0')),
                               'cam_init.2')), 'cam_init.4')
    pose = torch.tensor([1.0, 0, 0, 0, 1, 0]).repeat(16)[None].expand(2, -1)
    shape = torch.zeros(2, 10)
    for _ in range(3):
        x = torch.cat([feat, pose, cam, shape], 1)
        x = F.relu(linear(F.relu(linear(x, 'hmr_layer.refine.0')),
                          'hmr_layer.refine.3'))
        pose = pose + linear(x, 'hmr_layer.decoders.pose_6d')
        cam = cam + linear(x, 'hmr_layer.decoders.cam_t/wp')
        shape = shape + linear(x, 'hmr_layer.decoders.shape')
    with torch.no_grad():
        final = head.regress(feat)[-1]
    torch.testing.assert_close(final['pose_6d'], pose, atol=1e-5, rtol=1e-4)
    torch.testing.assert_close(final['cam'], cam, atol=1e-5, rtol=1e-4)
    torch.testing.assert_close(final['betas'], shape, atol=1e-5, rtol=1e-4)


def test_an_unknown_key_is_a_clean_error(tmp_path):
    src = tmp_path / 'other.ckpt'
    torch.save({'state_dict': {'model.depth_mlp.0.weight': torch.zeros(1)}},
               src)
    with pytest.raises(CheckpointError, match='does not know'):
        get_converter('wildhands').run(argparse.Namespace(
            src=str(src), dst=str(tmp_path / 'out.pth'), force=False))
