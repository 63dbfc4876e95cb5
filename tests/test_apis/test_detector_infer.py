"""The hand detector end to end: tools/train.py trains HandCenterDetector on
the toy dataset until it finds the toy hands, tools/test.py reports its box
metric, and tools/infer.py --detector / HandPoseInferencer take their hand
boxes from it. Bad detector inputs end in one error line."""
import contextlib
import io
import json
import shutil
from pathlib import Path

import cv2
import numpy as np
import pytest

import tool_loader
from egohands.apis import HandPoseInferencer, init_detector
from egohands.apis.cli import run_cli
from egohands.evaluation.metrics.hand_box_metric import box_iou

DETECTOR_CONFIG = str(Path(__file__).resolve().parents[2] / 'configs' /
                      'handcenter' /
                      'handcenter_simplecnn_1xb16-20e_egosynth-128x128.py')
# a narrower network, long enough on the 8 toy training images to find
# every hand of them (measured: IoU >= 0.85, sides right)
EPOCHS = 100
OPTIONS = ['train_cfg.val_interval=1000', 'param_scheduler=[]',
           'optim_wrapper.optimizer.lr=0.004',
           'model.backbone.channels=(16,32,64)', 'model.in_channels=64',
           'model.feat_channels=32']
LOADERS = [f'{loader}.{key}' for loader in ('train_dataloader',
                                            'val_dataloader',
                                            'test_dataloader')
           for key in ('num_workers=0', 'persistent_workers=False')]


def _run(tool, argv):
    err, out = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
        status = run_cli(tool_loader.load_tool(tool).main, argv)
    return status, out.getvalue(), err.getvalue()


def _ground_truth(root: Path, split: str):
    content = json.loads((root / 'annotations' / f'{split}.json').read_text())
    hands = {}
    for ann in content['annotations']:
        x, y, w, h = ann['bbox']
        hands.setdefault(ann['image_id'], []).append(
            ([x, y, x + w, y + h], ann['hand_side']))
    return {Path(image['file_name']).name: hands.get(image['id'], [])
            for image in content['images']}, content


@pytest.fixture(scope='module')
def trained_detector(toy_data_root, tmp_path_factory):
    """(config, checkpoint, cfg options) of the detector trained on the toy
    training split through tools/train.py (the config is the one the run
    wrote, options included)."""
    work_dir = tmp_path_factory.mktemp('detector_work')
    options = [f'data_root={toy_data_root}', f'train_cfg.max_epochs={EPOCHS}',
               'default_hooks.logger.interval=50'] + OPTIONS + LOADERS
    status, _, err = _run('train', [DETECTOR_CONFIG, '--work-dir',
                                    str(work_dir), '--cfg-options'] + options)
    assert status in (0, None), err
    checkpoint = work_dir / f'epoch_{EPOCHS}.pth'
    assert checkpoint.is_file()
    # the config the run dumped: the detector config with these options
    config = work_dir / Path(DETECTOR_CONFIG).name
    assert config.is_file()
    return str(config), str(checkpoint), options


@pytest.mark.slow
def test_test_tool_reports_the_box_metric(trained_detector, tmp_path):
    config, checkpoint, options = trained_detector
    # the training split: the detector learned these hands
    status, out, err = _run('test', [
        config, checkpoint, '--work-dir', str(tmp_path), '--cfg-options',
        'test_dataloader.dataset.ann_file=annotations/train.json'])
    assert status in (0, None), err
    values = json.loads((tmp_path / 'metrics.json').read_text())
    assert all(key in out for key in values)  # the printed table
    assert values['box_recall'] >= 0.9, values
    assert values['side_accuracy'] >= 0.9 and \
        values['box_precision'] >= 0.5, values


@pytest.mark.slow
def test_infer_takes_its_boxes_from_the_detector(trained_detector,
                                                 trained_tiny,
                                                 toy_data_root, tmp_path):
    det_config, det_checkpoint, _ = trained_detector
    pose_config, pose_checkpoint, _ = trained_tiny
    root = Path(toy_data_root)
    truth, content = _ground_truth(root, 'train')
    images = tmp_path / 'images'
    images.mkdir()
    for image in content['images'][:4]:
        shutil.copy(root / image['file_name'], images)
    out = tmp_path / 'out'
    status, _, err = _run('infer', [pose_config, pose_checkpoint,
                                    str(images), '--detector', det_config,
                                    det_checkpoint, '--out-dir', str(out)])
    assert status == 0, err
    records = json.loads((out / 'predictions.json').read_text())['hands']
    detector = init_detector(det_config, det_checkpoint)
    found = 0
    for path in sorted(images.iterdir()):
        boxes, scores, sides = detector.detect(cv2.imread(str(path)))
        mine = [r for r in records if r['image'] == path.name]
        assert len(mine) == len(boxes) > 0
        np.testing.assert_allclose([r['bbox'] for r in mine], boxes,
                                   atol=1e-3)
        np.testing.assert_allclose([r['bbox_score'] for r in mine], scores,
                                   atol=1e-5)
        assert [r['hand_side'] for r in mine] == sides
        # and the detector's boxes are the annotated hands
        iou = box_iou(boxes, [box for box, _ in truth[path.name]])
        found += int((iou.max(0) >= 0.5).sum())
    assert found >= 0.9 * sum(len(truth[p.name]) for p in images.iterdir())
    # the API with a (config, checkpoint) detector: the same boxes
    image = cv2.imread(str(sorted(images.iterdir())[0]))
    results = HandPoseInferencer(pose_config, pose_checkpoint,
                                 detector=(det_config, det_checkpoint))(
        image, progress=False)
    boxes, scores, _ = detector.detect(image)
    np.testing.assert_allclose(
        [hand.metainfo['bbox'] for hand in results[0]['hands']], boxes,
        atol=1e-3)
    assert [hand.metainfo['bbox_score'] for hand in results[0]['hands']] == \
        pytest.approx(scores.tolist(), abs=1e-5)


def test_bad_detector_inputs_end_in_one_line(trained_tiny, toy_data_root,
                                             tmp_path):
    import torch
    from mmengine.config import Config

    from egohands.registry import MODELS
    pose_config, pose_checkpoint, _ = trained_tiny
    image = next((Path(toy_data_root) / 'images' / 'test').iterdir())
    narrow = Config.fromfile(DETECTOR_CONFIG).model
    narrow.update(in_channels=64, feat_channels=32)
    narrow.backbone.channels = (16, 32, 64)
    other_shapes = tmp_path / 'narrow.pth'
    torch.save(dict(state_dict=MODELS.build(narrow).state_dict()),
               other_shapes)
    cases = [
        ([DETECTOR_CONFIG, str(tmp_path / 'missing.pth')], 'missing.pth'),
        ([pose_config, pose_checkpoint], 'is not a hand detector'),
        ([DETECTOR_CONFIG, pose_checkpoint], 'does not fit'),
        ([DETECTOR_CONFIG, str(other_shapes)], 'size mismatch'),
    ]
    for detector, message in cases:
        status, _, err = _run('infer', [pose_config, pose_checkpoint,
                                        str(image), '--detector'] + detector
                              + ['--out-dir', str(tmp_path / 'o')])
        assert status == 2 and message in err, err
        lines = err.strip().split('\n')
        assert len(lines) == 1 and lines[0].startswith('error: '), err
