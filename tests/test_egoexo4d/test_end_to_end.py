"""Raw release -> converter -> dataset -> training -> official metric ->
challenge submission -> official evaluation, for the HP-ViT and POTTER
EgoExo4D configs (shrunk by ``--cfg-options``) through tools/train.py,
tools/test.py (``--dump``) and tools/eval_egoexo4d.py. The release is
converted once by the ``egoexo4d_release`` fixture (conftest.py)."""
import json
from pathlib import Path

import numpy as np
import pytest
import torch

from egohands.datasets.egoexo4d import layout

from .tools_inprocess import run_tool

CONFIGS = Path(__file__).parents[2] / 'configs'
HPVIT = CONFIGS / 'hpvit/hpvit_vit-h_1xb8-70e_egoexo4d-256x192.py'
POTTER = CONFIGS / 'potter/potter_poolattn-s12_1xb64-70e_egoexo4d-224x224.py'

#: config, --cfg-options shrinking its model, crop (w, h) of TopdownAffine
METHODS = {
    # a one-block ViT-Tiny on 64 x 48 crops, a one-layer narrow decoder
    'hpvit': (HPVIT, [
        'model.backbone.arch=tiny', 'model.backbone.depth=1',
        'model.backbone.img_size=(64,48)', 'model.backbone.pretrained=None',
        'model.head.in_channels=192', 'model.head.embed_dim=32',
        'model.head.depth=1'
    ], (48, 64)),
    # one block per stage, narrow stages and a small heatmap volume
    'potter': (POTTER, [
        'model.backbone.depths=(1,1,1,1)',
        'model.backbone.dims=(32,32,64,64)',
        'model.backbone.mlp_ratios=(2,2,2,2)',
        'model.backbone.hr_depths=(1,1,1)',
        'model.backbone.hr_mlp_ratios=(2,2,2)',
        'model.backbone.pretrained=None', 'model.head.in_channels=32',
        'model.head.hidden_channels=16', 'model.head.depth_dim=16',
        'model.head.heatmap_size=(16,16)', 'model.head.regressor_channels=32'
    ], (64, 64)),
}
#: the 8 manual training hands of the release in one batch: one iteration
TRAIN_HANDS = 8


def shrunk_options(method: str, data_root: str, run: str):
    """--cfg-options: the method's small model and crops on the release,
    loaders without workers, one epoch of one batch, a Runner name of its
    own (mmengine reuses loggers and visualizers by name in a process)."""
    _, model, input_size = METHODS[method]
    w, h = input_size
    options = model + [f'data_root={data_root}',
                       f'train_dataloader.batch_size={TRAIN_HANDS}',
                       'train_cfg.max_epochs=1',
                       f'experiment_name={run}', f'visualizer.name={run}']
    for split in ('train', 'val', 'test'):
        options += [f'{split}_dataloader.num_workers=0',
                    f'{split}_dataloader.persistent_workers=False',
                    f'{split}_dataloader.dataset.pipeline.2.input_size='
                    f'({w},{h})']
    return options


@pytest.mark.slow
@pytest.mark.parametrize('method', sorted(METHODS))
def test_method_trains_tests_submits_and_evaluates_through_the_tools(
        method, egoexo4d_release, tmp_path, capsys):
    """One training iteration (tools/train.py); a test run on val that
    reports the official numbers and dumps its predictions in the challenge
    format (the rehearsal of docs/egoexo4d.md), which tools/eval_egoexo4d.py
    --offset scores the same; the challenge file of the test split
    (tools/test.py --dump) checked against the public test file. The
    release's test boxes and images are the val ones: same predictions."""
    _, out = egoexo4d_release
    config = METHODS[method][0]
    work = tmp_path / 'train'
    assert run_tool('tools/train.py', [
        config, '--work-dir', work, '--cfg-options'
    ] + shrunk_options(method, out, f'{method}_{tmp_path.name}_train')) == 0
    checkpoint = work / 'epoch_1.pth'
    meta = torch.load(checkpoint, map_location='cpu',
                      weights_only=False)['meta']
    assert (meta['epoch'], meta['iter']) == (1, 1)

    val_gt = layout.processed_annotation_file(out, 'manual', 'val')
    val_file = tmp_path / 'val_predictions.json'
    assert run_tool('tools/test.py', [
        config, checkpoint, '--work-dir', tmp_path / 'val', '--dump',
        val_file, '--cfg-options', 'test_dataloader.dataset.split=val',
        f'dump_writer.test_file={val_gt}'
    ] + shrunk_options(method, out, f'{method}_{tmp_path.name}_val')) == 0
    val = json.loads((tmp_path / 'val' / 'metrics.json').read_text())
    assert val['egoexo4d/num_hands'] == val['submission_hands'] == 4
    assert 0 < val['egoexo4d/pa_mpjpe'] < val['egoexo4d/mpjpe'] < 1000
    capsys.readouterr()
    assert run_tool('tools/eval_egoexo4d.py',
                    [val_gt, val_file, '--offset']) == 0
    official = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert official['num_hands'] == 4
    assert official['mpjpe'] == pytest.approx(val['egoexo4d/mpjpe'],
                                              rel=1e-4)
    assert official['pa_mpjpe'] == pytest.approx(val['egoexo4d/pa_mpjpe'],
                                                 rel=1e-4)

    submission = tmp_path / 'submission.json'
    assert run_tool('tools/test.py', [
        config, checkpoint, '--work-dir', tmp_path / 'test', '--dump',
        submission, '--cfg-options'
    ] + shrunk_options(method, out, f'{method}_{tmp_path.name}_test')) == 0
    test = json.loads((tmp_path / 'test' / 'metrics.json').read_text())
    assert test['egoexo4d/num_hands'] == 0  # the test split has no 3D
    assert test['submission_hands'] == 4
    content = json.loads(submission.read_text())
    val_content = json.loads(val_file.read_text())
    boxes = layout.read_json(
        layout.processed_annotation_file(out, 'manual', 'test'), 'test')
    assert content.keys() == boxes.keys()
    hands = 0
    for take, frames in boxes.items():
        assert content[take].keys() == frames.keys()
        for frame, record in frames.items():
            for side in ('left', 'right'):
                joints = np.array(content[take][frame][f'{side}_hand_3d'])
                if not record[f'{side}_hand_bbox']:
                    assert joints.size == 0
                    continue
                hands += 1
                # wrist-relative predictions, metres
                assert joints.shape == (21, 3) and not joints[0].any()
                assert 0 < np.abs(joints).max() < 1
                np.testing.assert_allclose(
                    joints, val_content[take][frame][f'{side}_hand_3d'],
                    atol=1e-6)
    assert hands == 4
