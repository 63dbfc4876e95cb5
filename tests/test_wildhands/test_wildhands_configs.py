"""configs/wildhands: the recipe's numbers, the KPE / no-KPE / full-image
variants differing by one line, and the small WildHands and ArcticNet-SF
trained and tested through tools/train.py and tools/test.py on a tiny
wide-angle EgoSynth (both hands, mask and grasp labels)."""
import json
from pathlib import Path

import pytest
from mmengine.config import Config

from egohands.apis.config_validation import validate_config
from egohands.evaluation.prediction_dump import load_prediction_dump
from egohands.evaluation.run_report import dump_arrays, table_metrics
# a tiny wide-angle EgoSynth (8 / 4 / 4 images at 128 px, near hands)
from test_potter.test_potter_configs import egosynth_root  # noqa: F401

CONFIG_DIR = Path(__file__).resolve().parents[2] / 'configs' / 'wildhands'
RECIPE = CONFIG_DIR / 'wildhands_resnet50_1xb32-100e_egosynth-wide-224x224.py'
#: variant -> method part of the config names
METHODS = {'wildhands': 'wildhands', 'handnet': 'wildhands-handnet',
           'arcticnet-sf': 'wildhands-arcticnet-sf'}
SMALL = {name: CONFIG_DIR / f'{method}_resnet18-s_1xb16-10e_egosynth-wide-'
         '160x160.py' for name, method in METHODS.items()}
LARGE = {name: CONFIG_DIR / f'{method}_resnet50_1xb32-100e_egosynth-wide-'
         '224x224.py' for name, method in METHODS.items()}


@pytest.mark.parametrize('path', sorted(CONFIG_DIR.glob('*.py')),
                         ids=lambda p: p.name)
def test_configs_validate(path):
    validate_config(Config.fromfile(str(path)), path.name)


def test_recipe_numbers():
    cfg = Config.fromfile(str(RECIPE))
    model = cfg.model
    assert model.type == 'WildHandsEstimator'
    for backbone in (model.backbone, model.hand_backbone):
        assert backbone.model_name == 'resnet50' and backbone.pretrained
    assert model.crop_encoding == dict(type='KeypointPositionalEncoding',
                                       variant='sparse', level='latent',
                                       num_freqs=4)
    assert model.use_global_feature
    assert model.feature_conv == dict(channels=(1024, 512, 256),
                                      feature_size=7)
    assert (model.head.num_iterations, model.head.hidden_channels,
            model.head.cam_init_channels, model.head.image_size) == (
                3, 1024, 512, 224)
    assert model.grasp_classes == 9
    assert model.mask_loss == dict(type='SoftMaskLoss', loss_type='l1')
    crops = cfg.train_dataloader.dataset.pipeline[1]
    assert (crops.frame_size, crops.crop_size, crops.bbox_scale) == (224, 224,
                                                                     1.5)
    assert cfg.train_dataloader.batch_size == 32
    assert cfg.optim_wrapper.optimizer == dict(type='Adam', lr=1e-5)
    assert cfg.optim_wrapper.clip_grad == dict(max_norm=150.0)
    assert cfg.train_cfg.max_epochs == 100
    assert cfg.val_evaluator.type == 'TwoHandKeypoint3DMetric'


def flat(cfg: dict, prefix=''):
    out = {}
    for key, value in cfg.items():
        if isinstance(value, dict):
            out.update(flat(value, f'{prefix}{key}.'))
        else:
            out[f'{prefix}{key}'] = value
    return out


@pytest.mark.parametrize('configs', [SMALL, LARGE], ids=['small', 'large'])
def test_variants_differ_only_in_crops_and_encoding(configs):
    resolved = {name: flat(Config.fromfile(str(path)).to_dict())
                for name, path in configs.items()}
    wildhands = resolved['wildhands']
    for name, expected in (('handnet', {'model.crop_encoding'}),
                           ('arcticnet-sf', {'model.crop_encoding',
                                             'model.hand_backbone'})):
        keys = set(wildhands) | set(resolved[name])
        differ = {k for k in keys
                  if wildhands.get(k) != resolved[name].get(k)}
        assert {k.rsplit('.', 1)[0] if k.count('.') > 1 else k
                for k in differ} >= expected
        assert all(any(k.startswith(e) for e in expected) for k in differ), \
            sorted(differ)
    # the small KPE and no-KPE configs differ by one line
    if configs is SMALL:
        lines = [set(p.read_text().splitlines()) for p in
                 (SMALL['wildhands'], SMALL['handnet'])]
        code = lambda s: {l for l in s if l and not l.startswith('#')}  # noqa
        assert code(lines[1]) - code(lines[0]) == {
            'model = dict(crop_encoding=None)'}
        assert not code(lines[0]) - code(lines[1])


@pytest.mark.slow
@pytest.mark.parametrize('name', ['wildhands', 'arcticnet-sf'])
def test_small_config_trains_and_tests_on_egosynth(name, tmp_path,
                                                   egosynth_root, hand_dir,
                                                   run_python):
    config = SMALL[name]
    loaders = [f'{split}_dataloader.{key}'
               for split in ('train', 'val', 'test')
               for key in ('num_workers=0', 'persistent_workers=False')]
    options = ['--cfg-options', f'data_root={egosynth_root}',
               f'model.hand_model.model_path={hand_dir}'] + loaders
    work_dir = tmp_path / 'work'
    train = run_python(['tools/train.py', config, '--work-dir', work_dir] +
                       options + ['train_cfg.max_epochs=1',
                                  'train_cfg.val_interval=1',
                                  'train_dataloader.batch_size=3',
                                  'default_hooks.logger.interval=1'],
                       timeout=900)
    assert train.returncode == 0, train.stderr[-3000:]
    run = next(p for p in work_dir.iterdir() if (p / 'vis_data').is_dir())
    entries = [json.loads(line) for line in
               (run / 'vis_data' / 'scalars.json').read_text().splitlines()]
    losses = [e for e in entries if 'loss' in e]
    assert len(losses) >= 2  # 1 epoch of batches of 3, logged every step
    for side in ('right', 'left'):  # both hands, grasp and masks supervised
        assert any(e[f'loss_grasp_{side}'] > 0 for e in losses)
        assert any(e[f'loss_mask_{side}'] > 0 for e in losses)
        assert any(e[f'loss_keypoints_3d_{side}'] > 0 for e in losses)
    checkpoint = work_dir / 'epoch_1.pth'
    assert checkpoint.is_file()

    test_dir = tmp_path / 'test'
    dump = tmp_path / 'predictions.npz'
    test = run_python(['tools/test.py', config, checkpoint, '--work-dir',
                       test_dir, '--dump', dump] + options, timeout=900)
    assert test.returncode == 0, test.stderr[-3000:]
    metrics = json.loads((test_dir / 'metrics.json').read_text())
    assert 0 < metrics['pa_mpjpe'] <= metrics['mpjpe'] < 2000
    assert metrics['mpjpe_abs'] > 0
    # one dump record per present hand, scored as the metric scores them
    records = load_prediction_dump(str(dump))['predictions']
    assert {r['hand_side'] for r in records} == {'right', 'left'}
    pred, gt, valid, _ = dump_arrays(records)
    assert table_metrics(pred, gt, valid)['mpjpe'] == pytest.approx(
        metrics['mpjpe'], rel=1e-4)
