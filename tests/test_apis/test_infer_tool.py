"""tools/infer.py on a folder and on a video: pictures, and JSON records
that match the API's; bad inputs end in one error line."""
import contextlib
import io
import json
import shutil
from pathlib import Path

import cv2
import numpy as np
import pytest

import tool_loader
from egohands.apis import HandPoseInferencer, inference_topdown, init_model
from egohands.apis.cli import run_cli


def _infer(argv):
    err, out = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
        status = run_cli(tool_loader.load_tool('infer').main, argv)
    return status, out.getvalue(), err.getvalue()


@pytest.fixture(scope='module')
def folder(toy_data_root, tmp_path_factory):
    """Three test images copied into a folder, and a COCO box file."""
    root = Path(toy_data_root)
    content = json.loads((root / 'annotations' / 'test.json').read_text())
    images = tmp_path_factory.mktemp('images')
    for image in content['images'][:3]:
        shutil.copy(root / image['file_name'],
                    images / Path(image['file_name']).name)
    return images, root / 'annotations' / 'test.json', content


def test_folder_records_match_the_api(trained_tiny, folder, tmp_path):
    config, checkpoint, _ = trained_tiny
    images, _, content = folder
    kept = {image['id']: Path(image['file_name']).name
            for image in content['images'][:3]}
    boxes = {}
    for ann in content['annotations']:
        if ann['image_id'] in kept:
            x, y, w, h = ann['bbox']
            boxes.setdefault(kept[ann['image_id']], []).append(
                dict(bbox=[x, y, x + w, y + h], hand_side=ann['hand_side']))
    box_file = tmp_path / 'boxes.json'
    box_file.write_text(json.dumps(boxes))
    out = tmp_path / 'out'
    status, stdout, stderr = _infer(
        [config, checkpoint, str(images), '--bboxes', str(box_file),
         '--out-dir', str(out), '--layout', 'egoexo4d', 'coco3d'])
    assert status == 0, stderr
    assert sorted(p.name for p in (out / 'vis').iterdir()) == sorted(
        Path(n).with_suffix('.jpg').name for n in kept.values())
    picture = cv2.imread(str(out / 'vis' / Path(kept[0]).with_suffix(
        '.jpg').name))
    assert picture.shape[0] == 64 and picture.shape[1] > 64  # + 3D panels
    records = json.loads((out / 'predictions.json').read_text())['hands']
    assert len(records) == sum(len(v) for v in boxes.values())
    model = init_model(config, checkpoint)
    for name, hands in boxes.items():
        preds = inference_topdown(model, str(images / name),
                                  [h['bbox'] for h in hands],
                                  [h['hand_side'] for h in hands])
        mine = [r for r in records if r['image'] == name]
        for record, pred in zip(mine, preds):
            assert record['hand_side'] == pred.metainfo['hand_side']
            np.testing.assert_allclose(record['joints_3d'],
                                       pred.pred_joints_3d.numpy(),
                                       atol=1e-3)
            np.testing.assert_allclose(record['keypoints_2d'],
                                       pred.pred_keypoints_2d.numpy(),
                                       atol=1e-3)
            assert record['K_source'] == 'default'
    egoexo = json.loads((out / 'predictions_egoexo4d.json').read_text())
    frame = egoexo[images.name][kept[0]]
    first = [r for r in records if r['image'] == kept[0]][0]
    np.testing.assert_allclose(frame[f'{first["hand_side"]}_hand_3d'],
                               np.asarray(first['joints_3d']) / 1000,
                               atol=1e-6)
    coco = json.loads((out / 'predictions_coco3d.json').read_text())
    assert len(coco['annotations']) == len(records)


@pytest.mark.slow
def test_video_and_batches(trained_tiny, folder, tmp_path):
    config, checkpoint, _ = trained_tiny
    images, _, _ = folder
    frames = [cv2.imread(str(p)) for p in sorted(images.iterdir())]
    video = tmp_path / 'clip.avi'
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*'MJPG'),
                             10, (64, 64))
    for frame in frames * 2:
        writer.write(frame)
    writer.release()
    out = tmp_path / 'out'
    status, _, stderr = _infer([config, checkpoint, str(video), '--out-dir',
                                str(out), '--batch-size', '4'])
    assert status == 0, stderr
    assert len(list((out / 'vis').iterdir())) == 6
    records = json.loads((out / 'predictions.json').read_text())['hands']
    assert [r['image'] for r in records] == [f'clip_{i:06d}'
                                             for i in range(6)]
    # the same frames as arrays through the API, one batch of 6 vs 4 + 2
    capture = cv2.VideoCapture(str(video))
    decoded = [capture.read()[1] for _ in range(6)]
    capture.release()
    results = HandPoseInferencer(config, checkpoint, batch_size=6)(
        decoded, progress=False)
    for record, result in zip(records, results):
        np.testing.assert_allclose(record['joints_3d'],
                                   result['hands'][0].pred_joints_3d,
                                   atol=1e-3)


def test_bad_inputs_end_in_one_line(trained_tiny, folder, tmp_path):
    config, checkpoint, _ = trained_tiny
    images, _, _ = folder
    broken = tmp_path / 'broken.mp4'
    broken.write_bytes(b'no video here')
    wrong = tmp_path / 'wrong.json'
    wrong.write_text(json.dumps({'elsewhere.png': [[1, 1, 9, 9]]}))
    outside = tmp_path / 'outside.json'
    name = sorted(images.iterdir())[0].name
    outside.write_text(json.dumps({name: [[500, 500, 600, 600]]}))
    cases = [
        ([str(broken)], 'broken.mp4: cannot read this video'),
        ([str(images), '--bboxes', str(wrong)],
         "entry 'elsewhere.png' matches no input image"),
        ([str(images), '--bboxes', str(outside)], 'outside the 64x64'),
        ([str(tmp_path / 'nothing.png')], 'no such image'),
    ]
    for argv, message in cases:
        status, _, stderr = _infer([config, checkpoint] + argv +
                                   ['--out-dir', str(tmp_path / 'o')])
        assert status == 2 and message in stderr, stderr
        # one error line, the last (a progress bar may come before it)
        lines = stderr.strip().split('\n')
        assert lines[-1].startswith('error: ') and 'Traceback' not in stderr
        assert sum(line.startswith('error') for line in lines) == 1
    status, _, stderr = _infer(['no_such_model', str(images)])
    assert status == 2
    assert "'no_such_model' is not in the model zoo" in stderr
