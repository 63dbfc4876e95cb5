"""configs/potter: the baseline recipe, a clean failure without data, one
training iteration on a converted EgoExo4D release with a submission, and
the small EgoSynth config trained and tested through the tools."""
import json
from pathlib import Path

import pytest
import torch
from mmengine.config import Config

from egohands.apis.config_validation import validate_config
from egohands.registry import DATASETS, MODELS
from egohands.utils.errors import EgohandsError
from test_tools.test_configs import config_bases

CONFIG_DIR = Path(__file__).resolve().parents[2] / 'configs' / 'potter'
BASELINE = CONFIG_DIR / 'potter_poolattn-s12_1xb64-70e_egoexo4d-224x224.py'
SMALL = CONFIG_DIR / 'potter_poolattn-t_1xb16-6e_egosynth-128x128.py'
CROP = ['LoadImage', 'GetSquareBBox', 'TopdownAffine', 'PackHandInputs']
#: a POTTER small enough for a test at 64 x 64
TINY_BACKBONE = dict(depths=(1, 1, 1, 1), dims=(32, 32, 64, 64),
                     mlp_ratios=(2, 2, 2, 2), hr_depths=(1, 1, 1),
                     hr_mlp_ratios=(2, 2, 2), pretrained=None)


@pytest.mark.parametrize('path', [BASELINE, SMALL], ids=lambda p: p.name)
def test_configs_validate_and_inherit_at_most_two_levels(path):
    cfg = Config.fromfile(str(path))
    validate_config(cfg, path.name)
    bases = config_bases(path)
    assert bases
    for base in bases:  # _base_ files that inherit nothing
        assert '_base_' in base.parts and not config_bases(base)
    assert cfg.find_unused_parameters  # low_res_norm has no gradient


def test_baseline_recipe():
    cfg = Config.fromfile(str(BASELINE))
    backbone, head = cfg.model.backbone, cfg.model.head
    assert backbone.type == 'POTTERBackbone'
    assert (backbone.depths, backbone.dims) == ((2, 2, 6, 2),
                                                (64, 128, 320, 512))
    assert backbone.mlp_ratios == (4, 4, 4, 4)
    assert (backbone.hr_depths, backbone.hr_mlp_ratios) == ((2, 2, 4),
                                                            (2, 2, 4))
    assert (backbone.drop_rate, backbone.drop_path_rate) == (0.1, 0.1)
    assert backbone.layer_scale_init == 1e-5
    assert backbone.pretrained == 'checkpoints/potter_cls_s12.pth'
    assert head.type == 'Heatmap3DHandHead' and 'in_channels' not in head
    model = MODELS.build(dict(cfg.model, backbone=dict(backbone,
                                                       pretrained=None)))
    # the head reads the high-resolution stream: 64 channels
    assert model.head.expand[0].in_channels == 64
    assert (head.depth_dim, tuple(head.heatmap_size)) == (56, (56, 56))
    assert head.loss.type == 'JointMSELoss'
    assert head.codec.type == 'RootRelativeJointCodec'
    assert cfg.model.data_preprocessor.bgr_to_rgb
    for loader in ('train', 'val', 'test'):
        pipeline = cfg[f'{loader}_dataloader'].dataset.pipeline
        assert [t.type for t in pipeline] == CROP  # no augmentation
        assert tuple(pipeline[2].input_size) == (224, 224)
        assert pipeline[1].padding == 1.25
        assert cfg[f'{loader}_dataloader'].batch_size == 64
    assert cfg.train_dataloader.dataset.type == 'EgoExo4DHandDataset'
    assert cfg.train_cfg.max_epochs == 70
    assert cfg.optim_wrapper.optimizer == dict(type='Adam', lr=1e-4)
    assert cfg.param_scheduler == []


def test_missing_egoexo4d_is_a_clean_error(tmp_path):
    cfg = Config.fromfile(str(BASELINE))
    dataset = cfg.train_dataloader.dataset
    dataset.data_root = str(tmp_path / 'egoexo4d')
    with pytest.raises(EgohandsError, match='egoexo4d'):
        DATASETS.build(dataset)


def test_small_config_model():
    cfg = Config.fromfile(str(SMALL))
    model = MODELS.build(cfg.model)
    assert sum(p.numel() for p in model.parameters()) < 1.5e6
    with torch.no_grad():
        out = model(torch.randn(2, 3, 128, 128), mode='tensor')
    assert out['joints'].shape == (2, 21, 3)


@pytest.mark.slow
def test_small_config_loss_decreases_on_a_fixed_batch():
    """Adam at the config's learning rate fits one batch of random crops."""
    torch.manual_seed(0)
    cfg = Config.fromfile(str(SMALL))
    model = MODELS.build(cfg.model)
    model.head.codec.set_statistics(dict(mean=torch.zeros(21, 3),
                                         std=torch.ones(21, 3)))
    images = torch.randn(4, 3, 128, 128)
    targets = torch.randn(4, 21, 3)
    optimizer = torch.optim.Adam(model.parameters(),
                                 lr=cfg.optim_wrapper.optimizer.lr)
    losses = []
    for _ in range(12):
        loss = model.head.loss_module(
            model(images, mode='tensor')['joints'], targets)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[-1] < 0.5 * losses[0]


@pytest.mark.slow
def test_one_iteration_on_a_converted_egoexo4d_release(tmp_path):
    """The baseline config (shrunk) trains on the EgoExo4D dataset and writes
    a challenge submission for the boxed test hands."""
    from egohands.apis.tool_config import build_runner
    from egohands.testing.egoexo4d import make_processed_egoexo4d
    data_root = make_processed_egoexo4d(str(tmp_path / 'egoexo4d'))
    cfg = Config.fromfile(str(BASELINE))
    cfg.model.backbone.update(TINY_BACKBONE)
    cfg.model.head.update(in_channels=32, hidden_channels=16, depth_dim=16,
                          heatmap_size=(16, 16), regressor_channels=32)
    for split in ('train', 'val', 'test'):
        loader = cfg[f'{split}_dataloader']
        loader.update(batch_size=4, num_workers=0, persistent_workers=False)
        loader.dataset.data_root = data_root
        loader.dataset.pipeline[2].input_size = (64, 64)
    submission = tmp_path / 'submission.json'
    cfg.test_evaluator = [cfg.test_evaluator, dict(
        cfg.dump_writer, data_root=data_root, out_file=str(submission))]
    cfg.train_cfg = dict(type='IterBasedTrainLoop', max_iters=1,
                         val_interval=10)
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=1)
    cfg.work_dir = str(tmp_path / 'work')
    runner = build_runner(cfg)
    runner.train()
    assert runner.iter == 1
    metrics = runner.test()
    assert metrics['submission_hands'] > 0
    content = json.loads(submission.read_text())
    hands = [hand for frames in content.values() for frame in frames.values()
             for hand in frame.values() if hand]
    assert len(hands) == metrics['submission_hands']
    assert all(len(hand) == 21 and hand[0] == [0.0, 0.0, 0.0]
               for hand in hands)


@pytest.fixture(scope='module')
def egosynth_root(tmp_path_factory) -> str:
    """A tiny EgoSynth (8 / 4 / 4 images at 128 px) and its hand model;
    wide cameras and near hands, so that hands fill a fair part of these
    small images (the default's hands would be about 25 px)."""
    from egohands.synth.egosynth import (EgoSynthConfig,
                                             generate_egosynth)
    from egohands.synth.egosynth.cameras import WIDE_ANGLE
    from egohands.synth.egosynth.placement import PlacementSampling
    from egohands.synth.hand import write_synthetic_model
    hand_dir = tmp_path_factory.mktemp('potter_hand')
    write_synthetic_model(str(hand_dir))
    out = tmp_path_factory.mktemp('potter_egosynth')
    generate_egosynth(str(out), dict(train=8, val=4, test=4), seed=0,
                      model_dir=str(hand_dir),
                      config=EgoSynthConfig(
                          width=128, height=128, camera=WIDE_ANGLE,
                          placement=PlacementSampling(
                              root_distance_m=(0.15, 0.35))),
                      workers=1, progress=False, log=lambda *_: None)
    return str(out) + '/'


@pytest.mark.slow
def test_small_config_trains_and_tests_on_egosynth(tmp_path, egosynth_root,
                                                   run_python):
    work_dir = tmp_path / 'work'
    loaders = [f'{split}_dataloader.{key}'
               for split in ('train', 'val', 'test')
               for key in ('num_workers=0', 'persistent_workers=False')]
    options = ['--cfg-options', f'data_root={egosynth_root}'] + loaders
    train = run_python(['tools/train.py', SMALL, '--work-dir', work_dir] +
                       options + [
                           'train_cfg.max_epochs=3',
                           'train_cfg.val_interval=3',
                           'train_dataloader.batch_size=4',
                           'default_hooks.logger.interval=1'])
    assert train.returncode == 0, train.stderr[-3000:]
    run = next(p for p in work_dir.iterdir() if (p / 'vis_data').is_dir())
    lines = (run / 'vis_data' / 'scalars.json').read_text().splitlines()
    losses = [entry['loss'] for entry in map(json.loads, lines)
              if 'loss' in entry]
    assert len(losses) >= 9
    assert sum(losses[-4:]) / 4 < sum(losses[:4]) / 4
    checkpoint = work_dir / 'epoch_3.pth'
    assert checkpoint.is_file()

    test_dir = tmp_path / 'test'
    test = run_python(['tools/test.py', SMALL, checkpoint, '--work-dir',
                       test_dir] + options)
    assert test.returncode == 0, test.stderr[-3000:]
    metrics = json.loads((test_dir / 'metrics.json').read_text())
    assert 0 < metrics['pa_mpjpe'] <= metrics['mpjpe'] < 1000
