"""Raw release -> converter -> dataset -> training -> official metric ->
challenge submission -> official evaluation, with the tiny estimator."""
import copy
from pathlib import Path

import numpy as np
import pytest
from mmengine.config import Config

from egohands.datasets.egoexo4d import layout
from egohands.evaluation.egoexo4d_evaluation import evaluate_files

BASE = Path(__file__).parents[2] / 'configs/_base_/datasets/egoexo4d.py'


@pytest.mark.slow
def test_tiny_estimator_trains_evaluates_and_submits(egoexo4d_release,
                                                     tiny_config, tmp_path):
    from egohands.apis.tool_config import build_runner, load_config
    _, out = egoexo4d_release
    base = Config.fromfile(str(BASE))
    cfg = load_config(str(tiny_config))
    for split in ('train', 'val', 'test'):
        loader = cfg[f'{split}_dataloader']
        loader.batch_size = 4
        loader.dataset = copy.deepcopy(base[f'{split}_dataloader'].dataset)
        loader.dataset.data_root = out
        loader.dataset.pipeline[2]['input_size'] = (64, 64)
    cfg.train_dataloader.dataset.annotation = 'both'
    cfg.val_evaluator = base.val_evaluator
    submission = tmp_path / 'submission.json'
    cfg.test_evaluator = [base.test_evaluator, dict(
        base.dump_writer, data_root=out, out_file=str(submission))]
    cfg.train_cfg = dict(by_epoch=True, max_epochs=1, val_interval=1)
    cfg.work_dir = str(tmp_path / 'work')
    runner = build_runner(cfg)
    runner.train()
    metrics = runner.test()
    assert metrics['submission_hands'] == 4
    assert metrics['egoexo4d/num_hands'] == 0  # the test split has no 3D
    val = runner.val_loop.run()
    assert val['egoexo4d/num_hands'] == 4
    # the tiny model predicts wrist-relative joints: so is the submission,
    # and the official evaluation needs --offset (test boxes = val boxes)
    gt_file = layout.processed_annotation_file(out, 'manual', 'val')
    official = evaluate_files(gt_file, str(submission), offset=True)
    assert official['num_hands'] == 4
    assert official['mpjpe'] == pytest.approx(val['egoexo4d/mpjpe'],
                                              rel=1e-4)
    assert official['pa_mpjpe'] == pytest.approx(val['egoexo4d/pa_mpjpe'],
                                                 rel=1e-4)
    assert np.isfinite(official['mpjpe'])
