"""Malformed canonical annotation files and images: one ``error:`` line
naming the file, record and field, and no output file left behind.

The statistics tool reads the training annotations without a Runner, so it
is the quickest real reader to aim at; images go through
``tools/browse_dataset.py`` (the training pipeline) or ``tools/train.py``
with a loader worker."""
import json

import cv2
import numpy as np
import pytest

from egohands.datasets.transforms.bbox import GetSquareBBox
from egohands.utils.errors import AnnotationError


def _edit(root, change):
    path = root / 'annotations' / 'train.json'
    content = json.loads(path.read_text())
    change(content)
    path.write_text(json.dumps(content))
    return content


def _stats(run_tool_once, config, root, out):
    return run_tool_once('compute_target_stats', [
        config, '--out', out, '--cfg-options', f'data_root={root}/'])


@pytest.mark.parametrize('damage, message', [
    (lambda p: p.write_bytes(b'{"images": ["\xff\xfe"]}'),
     'not UTF-8 text (byte 13'),
    (lambda p: p.write_text('[' * 100000 + ']' * 100000),
     'nested deeper than a JSON reader can follow'),
    (lambda p: (p.unlink(), p.mkdir()), 'is a directory, not a JSON file'),
], ids=['invalid-utf8', 'deeply-nested', 'directory'])
def test_unreadable_annotation_files(damage, message, toy_copy, tmp_path,
                                     tiny_config, run_tool_once):
    ann = toy_copy / 'annotations' / 'train.json'
    damage(ann)
    out = tmp_path / 'stats.json'
    status, line = _stats(run_tool_once, tiny_config, toy_copy, out)
    assert str(ann) in line and message in line
    assert not out.exists() and not list(tmp_path.glob('*.tmp'))


@pytest.mark.parametrize('change, field, message', [
    (lambda a: a['annotations'][0].update(id=float('inf')), "'id'",
     'annotation id inf'),
    (lambda a: a['annotations'][1]['bbox'].__setitem__(2, 0), "'bbox'",
     'width, height > 0'),
    (lambda a: a['annotations'][2]['bbox'].__setitem__(3, -5.0), "'bbox'",
     'annotation id 2'),
], ids=['id-infinity', 'zero-size-box', 'inverted-box'])
def test_malformed_records(change, field, message, toy_copy, tmp_path,
                           tiny_config, run_tool_once):
    _edit(toy_copy, change)
    out = tmp_path / 'stats.json'
    status, line = _stats(run_tool_once, tiny_config, toy_copy, out)
    assert 'train.json' in line and field in line and message in line
    assert not out.exists()


def test_a_box_without_area_is_refused_where_it_is_cropped():
    """Any reader's box (xyxy) goes through GetSquareBBox."""
    for bbox in ([10, 10, 10, 30], [10, 30, 40, 20], [0, 0, np.nan, 5]):
        with pytest.raises(AnnotationError,
                           match=r"a\.jpg: annotation id 7: 'bbox'.*no area"):
            GetSquareBBox()(dict(bbox=np.array(bbox, float), img_path='a.jpg',
                                 ann_id=7))


def test_a_null_row_at_an_invalid_joint_is_accepted(toy_copy, tmp_path,
                                                    tiny_config,
                                                    run_tool_once):
    """docs/data_format.md: rows with joints_valid = 0 may be null."""
    def null_joint_5(content):
        hand = content['annotations'][0]
        hand['joints_valid'][5] = 0
        rows = np.reshape(hand['joints_3d'], (21, 3)).tolist()
        rows[5] = None
        hand['joints_3d'] = rows

    content = _edit(toy_copy, null_joint_5)
    out = tmp_path / 'stats.json'
    status, line = _stats(run_tool_once, tiny_config, toy_copy, out)
    assert status == 0 and line is None
    # joint 5's statistics come from the other hands only
    others = [np.reshape(a['joints_3d'], (21, 3)) for a in
              content['annotations'][1:]]
    relative = np.stack(others)[:, 5] - np.stack(others)[:, 0]
    stats = json.loads(out.read_text())
    np.testing.assert_allclose(stats['mean'][5], relative.mean(0), atol=1e-4)
    assert stats['num_hands'] == len(content['annotations'])


def _truncated_jpeg(root):
    """Make image 0 a JPEG cut in half; the annotation points at it."""
    content = json.loads((root / 'annotations' / 'train.json').read_text())
    image = cv2.imread(str(root / content['images'][0]['file_name']))
    data = cv2.imencode('.jpg', image)[1].tobytes()
    (root / 'images' / 'cut.jpg').write_bytes(data[:len(data) // 2])
    # OpenCV alone decodes it without complaint (half of it grey)
    assert cv2.imread(str(root / 'images' / 'cut.jpg')) is not None
    _edit(root, lambda a: a['images'][0].update(file_name='images/cut.jpg'))


@pytest.mark.parametrize('damage, message', [
    (_truncated_jpeg, 'cut.jpg (annotation id 0) is a truncated JPEG'),
    (lambda root: (root / 'images' / 'train' / '00000.png').write_bytes(b''),
     '00000.png (annotation id 0) is empty (0 bytes)'),
    (lambda root: (root / 'images' / 'train' / '00000.png').write_bytes(
        b'\x89PNG\r\n\x1a\n' + b'x' * 40), 'cannot be decoded'),
], ids=['truncated-jpeg', 'empty-image', 'garbage-png'])
def test_damaged_images(damage, message, toy_copy, tmp_path, tiny_config,
                        run_tool_once):
    damage(toy_copy)
    out = tmp_path / 'grid.jpg'
    status, line = run_tool_once('browse_dataset', [
        tiny_config, '--out', out, '--num', '8', '--no-aug',
        '--cfg-options', f'data_root={toy_copy}/'])
    assert message in line
    assert not out.exists()


@pytest.mark.slow
def test_an_empty_image_met_in_a_loader_worker(toy_copy, tmp_path,
                                               tiny_config, run_tool_once):
    (toy_copy / 'images' / 'train' / '00000.png').write_bytes(b'')
    work = tmp_path / 'work'
    status, line = run_tool_once('train', [
        tiny_config, '--work-dir', work, '--cfg-options',
        f'data_root={toy_copy}/', 'train_cfg.max_epochs=1',
        'train_dataloader.num_workers=1',
        'train_dataloader.persistent_workers=False',
        f'experiment_name=worker_{tmp_path.name}',
        f'visualizer.name=worker_{tmp_path.name}'])
    assert line == (f'error: image {toy_copy}/images/train/00000.png '
                    '(annotation id 0) is empty (0 bytes); copy the image '
                    'again (in a data loader worker)')
    assert not list(work.glob('*.pth'))
    assert not (work / '.egohands_run.lock').exists()
