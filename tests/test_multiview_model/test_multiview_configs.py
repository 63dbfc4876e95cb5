"""configs/multiview end to end: the small EgoSynth-rig model trains and
tests through tools/train.py and tools/test.py, runs one iteration under
torchrun (2 processes, gloo), has a 1-view variant one line away, and the
seed's UmeTrack recipe stops with one error line without its data."""
import json
import os
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
SMALL = REPO / 'configs' / 'multiview' / \
    'multiview_hiera-s_1xb8-10e_egosynth-rig-64x64.py'
SEED = REPO / 'configs' / 'multiview' / \
    'multiview_hiera-b_8xb8-76800it_umetrack-224x224.py'


@pytest.fixture(scope='module')
def rig(tmp_path_factory):
    """(data_root, hand model folder) of a tiny two-camera EgoSynth rig:
    2 training and 1 validation sequences of 4 frames at 96 px."""
    from egohands.synth.egosynth import EgoSynthConfig, generate_egosynth
    from egohands.synth.egosynth.cameras import WIDE_ANGLE  # noqa: F401
    from egohands.synth.hand import write_synthetic_model
    root = tmp_path_factory.mktemp('mv_rig')
    hand = root / 'hand'
    write_synthetic_model(str(hand))
    generate_egosynth(str(root / 'data'), dict(train=16, val=8), seed=0,
                      model_dir=str(hand),
                      config=EgoSynthConfig(width=96, height=96, seq_len=4,
                                            views=2),
                      workers=1, progress=False, log=lambda *_: None)
    return str(root / 'data') + os.sep, str(hand)


def options(rig, *extra):
    data_root, hand = rig
    return ['--cfg-options', f'data_root={data_root}',
            f'train_dataloader.dataset.dataset.data_root={data_root}',
            f'val_dataloader.dataset.dataset.data_root={data_root}',
            f'test_dataloader.dataset.dataset.data_root={data_root}',
            f'model.head.hand_model.model_path={hand}',
            'train_dataloader.num_workers=0',
            'train_dataloader.persistent_workers=False',
            'val_dataloader.num_workers=0',
            'val_dataloader.persistent_workers=False',
            'test_dataloader.num_workers=0',
            'test_dataloader.persistent_workers=False', *extra]


@pytest.mark.slow
def test_small_config_trains_and_tests_on_cpu(tmp_path, rig, run_python):
    work_dir = tmp_path / 'work'
    train = run_python(['tools/train.py', SMALL, '--work-dir', work_dir] +
                       options(rig, 'train_cfg.max_epochs=1',
                               'train_cfg.val_interval=1',
                               'train_dataloader.batch_size=4'),
                       timeout=900)
    assert train.returncode == 0, train.stderr[-3000:]
    checkpoint = work_dir / 'epoch_1.pth'
    assert checkpoint.is_file()
    test = run_python(['tools/test.py', SMALL, checkpoint, '--work-dir',
                       tmp_path / 'test'] + options(rig), timeout=900)
    assert test.returncode == 0, test.stderr[-3000:]
    metrics = json.loads((tmp_path / 'test' / 'metrics.json').read_text())
    assert {'mpjpe', 'mpjpe_abs', 'pa_mpjpe'} <= set(metrics)
    assert 0 < metrics['pa_mpjpe'] <= metrics['mpjpe'] < 1000
    assert 0 < metrics['mpjpe_abs'] < 5000


@pytest.mark.slow
def test_one_iteration_under_torchrun_with_gloo(tmp_path, rig, run_python):
    work_dir = tmp_path / 'work'
    torchrun = Path(sys.executable).parent / 'torchrun'
    env = dict(PYTHONPATH=str(REPO / 'tests' / 'test_tools') + os.pathsep +
               os.environ.get('PYTHONPATH', ''))
    config = tmp_path / 'torchrun_config.py'
    config.write_text(f'_base_ = [{str(SMALL)!r}]\n'
                      "custom_imports = dict(imports=['tool_test_hooks'])\n"
                      "custom_hooks = [dict(type='RankDoneHook')]\n")
    result = run_python(
        [torchrun, '--standalone', '--nproc_per_node', '2', 'tools/train.py',
         config, '--launcher', 'pytorch', '--work-dir', work_dir] +
        options(rig, 'train_cfg.max_epochs=1', 'train_cfg.val_interval=10',
                'train_dataloader.batch_size=16'),
        env_extra=env, timeout=900)
    assert result.returncode == 0, result.stderr[-3000:]
    for rank in (0, 1):
        assert (work_dir / f'rank_{rank}.done').read_text() == '1'
    assert [p.name for p in work_dir.glob('epoch_*.pth')] == ['epoch_1.pth']
    assert 'GPU number: 2' in result.stdout + result.stderr


def test_the_one_view_variant_is_one_line_away(tmp_path, rig):
    from mmengine.config import Config

    from egohands.registry import DATASETS, MODELS
    text = SMALL.read_text()
    line = 'views = (0, 1)  #'
    assert text.count(line) == 1
    copy = tmp_path / SMALL.name
    copy.write_text(text.replace(line, 'views = (0, )  #').replace(
        "'../_base_/", repr(str(REPO / 'configs' / '_base_'))[:-1] + '/'))
    cfg = Config.fromfile(str(copy))
    data_root, hand = rig
    cfg.model.head.hand_model.model_path = hand
    model = MODELS.build(cfg.model)
    assert model.num_views == 1 and model.fusion.num_views == 1
    dataset_cfg = cfg.train_dataloader.dataset
    dataset_cfg.dataset.data_root = data_root
    dataset_cfg.pipeline = cfg.test_pipeline
    dataset = DATASETS.build(dataset_cfg)
    sample = dataset[0]
    assert tuple(sample['inputs'].shape) == (1, 3, 64, 64)
    import torch
    from mmengine.dataset import pseudo_collate
    model.eval()
    with torch.no_grad():
        out = model.test_step(pseudo_collate([sample]))
    assert torch.isfinite(out[0].pred_joints_3d).all()


def test_the_seed_recipe_stops_with_one_error_line_without_data(
        tmp_path, rig, run_python):
    """With a hand model (the synthetic one stands in for MANO) but no
    UmeTrack tars, training stops at the data with one clean line."""
    hand = rig[1]
    result = run_python([
        'tools/train.py', SEED, '--work-dir', tmp_path / 'work',
        '--cfg-options', f'model.head.hand_model.model_path={hand}',
        f'train_dataloader.dataset.dataset.hand_model={hand}',
        f'val_dataloader.dataset.dataset.hand_model={hand}'])
    assert result.returncode == 2, result.stderr[-3000:]
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith('error:')]
    assert len(errors) == 1, result.stderr[-3000:]
    assert 'Traceback' not in result.stderr
    assert 'umetrack' in errors[0].lower()
    assert 'data/umetrack' in errors[0]


def test_the_measured_variants_differ_from_the_small_config_in_one_thing():
    """docs/multiview.md's 1-view and no-extrinsic-noise arms."""
    from mmengine.config import Config
    base = Config.fromfile(str(SMALL))
    one = Config.fromfile(str(SMALL).replace('-rig-', '-rig-1view-'))
    assert one.model.num_views == 1 and base.model.num_views == 2
    for split in ('train', 'val', 'test'):
        assert one[f'{split}_dataloader'].dataset.views == (0, )
    assert one.train_dataloader.dataset.pipeline == \
        base.train_dataloader.dataset.pipeline
    plain = Config.fromfile(str(SMALL).replace('-rig-', '-rig-noextnoise-'))
    expected = [step for step in base.train_dataloader.dataset.pipeline
                if step['type'] != 'MultiViewExtrinsicNoise']
    assert len(expected) == len(base.train_dataloader.dataset.pipeline) - 1
    assert plain.train_dataloader.dataset.pipeline == expected
    assert plain.model == base.model and \
        plain.test_dataloader == base.test_dataloader
