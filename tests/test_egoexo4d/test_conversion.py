"""Raw EgoExo4D release -> processed files, checked rule by rule."""
import json
import os

import numpy as np
import pytest

from egohands.datasets.egoexo4d import (layout, prepare_egoexo4d,
                                        processed_annotation_file, read_json)
from egohands.testing.egoexo4d import K, build_raw_release
from egohands.utils.errors import AnnotationError, DatasetNotFoundError

from .tools_inprocess import run_tool

CONVERTER = 'tools/dataset_converters/egoexo4d.py'


def processed(out, kind, split):
    return read_json(processed_annotation_file(out, kind, split), split)


def by_case(release, kind, split, case):
    return [h for h in release.hands(kind, split) if h.case == case]


def test_every_rule_keeps_exactly_the_expected_joints(egoexo4d_release):
    release, out = egoexo4d_release
    checked = set()
    for kind in ('manual', 'auto'):
        for split in ('train', 'val'):
            content = processed(out, kind, split)
            for hand in release.hands(kind, split):
                record = content.get(hand.take_uid, {}).get(hand.frame)
                got = None if record is None else record[
                    f'{hand.side}_hand_valid_3d']
                label = (kind, split, hand.frame, hand.side, hand.case)
                if hand.valid is None:
                    assert not got, label
                    continue
                assert np.array_equal(got, hand.valid), label
                checked.add(hand.case)
    assert checked == {'clean', 'few_views', 'bone', 'wrist_to_base',
                       'angle', 'reprojection', 'too_few', 'mask_edge'}


def test_rule_cases_fail_where_built(egoexo4d_release):
    release, out = egoexo4d_release
    invalid = {h.case: np.flatnonzero(~h.valid).tolist()
               for h in release.hands('manual', 'train')
               if h.valid is not None and h.case != 'clean'}
    assert invalid == {'few_views': [4, 8], 'bone': [12],
                       'wrist_to_base': [5], 'angle': [10],
                       'reprojection': [3, 16],
                       'mask_edge': invalid['mask_edge']}
    assert 0 in invalid['mask_edge'] and len(invalid['mask_edge']) <= 11
    # automatic labels ignore the number of views; biomechanics still apply
    auto = {h.case: h.valid for h in release.hands('auto', 'train')}
    assert auto['few_views'].all() and auto['too_few'].all()
    assert np.flatnonzero(~auto['bone']).tolist() == [12]


def test_values_boxes_and_nan_tokens(egoexo4d_release):
    release, out = egoexo4d_release
    content = processed(out, 'manual', 'train')
    for hand in release.hands('manual', 'train'):
        if hand.valid is None:
            continue
        record = content[hand.take_uid][hand.frame]
        joints = np.array(record[f'{hand.side}_hand_3d'])
        # valid joints (and always the wrist) in metres, camera frame
        keep = hand.valid.copy()
        keep[0] = True
        np.testing.assert_allclose(joints[keep], hand.joints_cam_mm[keep] /
                                   1000, atol=1e-9)
        assert np.isnan(joints[~keep]).all()
        uvw = hand.joints_cam_mm[hand.valid] @ K.T
        uv = uvw[:, :2] / uvw[:, 2:]
        box = np.r_[uv.min(0) - 20, uv.max(0) + 20].clip(0, 511)
        np.testing.assert_allclose(record[f'{hand.side}_hand_bbox'], box,
                                   atol=1e-6)
        assert record['metadata'] == dict(
            take_uid=hand.take_uid, take_name=release.take_names[
                hand.take_uid], frame_number=int(hand.frame))
    edge = by_case(release, 'manual', 'train', 'mask_edge')[0]
    record = content[edge.take_uid][edge.frame]
    assert record['right_hand_valid_3d'][0] is False
    assert np.isfinite(record['right_hand_3d'][0]).all()  # written back
    assert np.isnan(record['right_hand_2d'][0]).all()  # outside the mask
    reproj = by_case(release, 'manual', 'train', 'reprojection')[0]
    hand_2d = np.array(content[reproj.take_uid][reproj.frame]['right_hand_2d'])
    assert np.isnan(hand_2d[3]).all() and np.isfinite(hand_2d[16]).all()
    text = open(processed_annotation_file(out, 'manual', 'train')).read()
    assert 'NaN' in text and 'null' not in text


def test_frames_and_takes_the_official_selection_drops(egoexo4d_release):
    release, out = egoexo4d_release
    names = {uid: name for uid, name in release.take_names.items()}
    train = processed(out, 'manual', 'train')
    assert sorted(names[uid] for uid in train) == ['train_a']
    frames = sorted(int(f) for f in train[next(iter(train))])
    # 60: no Aria extrinsics; 70: its only hand has no wrist
    assert frames == [10, 20, 30, 40, 50]
    assert train[next(iter(train))]['50']['left_hand_3d'] == []
    assert sorted(names[uid] for uid in processed(out, 'auto', 'train')) == [
        'train_a', 'train_f']
    val = processed(out, 'manual', 'val')
    assert sorted(names[uid] for uid in val) == ['val_b']
    assert val[next(iter(val))]['8']['left_hand_bbox'] == []


def test_missing_raw_inputs_raise_clear_errors(tmp_path):
    with pytest.raises(DatasetNotFoundError, match='raw release folder'):
        prepare_egoexo4d(str(tmp_path / 'nope'), str(tmp_path / 'out'))
    release = build_raw_release(str(tmp_path / 'raw'))
    os.remove(layout.raw_splits_file(release.root))
    with pytest.raises(DatasetNotFoundError, match='splits.json'):
        prepare_egoexo4d(release.root, str(tmp_path / 'out'),
                         progress=False)
    with pytest.raises(DatasetNotFoundError,
                       match=r'auto hand annotations .*egoexo -o'):
        os.makedirs(tmp_path / 'raw2' / 'annotations')
        with open(tmp_path / 'raw2' / 'takes.json', 'w') as f:
            json.dump([], f)
        prepare_egoexo4d(str(tmp_path / 'raw2'), str(tmp_path / 'out'),
                         kinds=('auto', ), progress=False)


@pytest.mark.slow
def test_converter_tool(tmp_path, run_python):
    release = build_raw_release(str(tmp_path / 'raw'))
    result = run_python([CONVERTER, '--raw', release.root, '--out',
                         tmp_path / 'out', '--annotation', 'both',
                         '--no-progress'])
    assert result.returncode == 0, result.stderr
    assert 'manual/train: 1 takes, 5 frames' in result.stdout
    assert 'has no camera pose file' in result.stderr
    for kind in ('manual', 'auto'):
        for split in ('train', 'val'):
            assert os.path.isfile(processed_annotation_file(
                str(tmp_path / 'out'), kind, split))


def test_converter_tool_user_error_is_one_line(tmp_path, capsys):
    status = run_tool(CONVERTER, ['--raw', tmp_path / 'missing', '--out',
                                  tmp_path / 'out'])
    err = capsys.readouterr().err
    assert status == 2
    assert err.startswith('error: EgoExo4D raw release folder not found: '
                          f'{tmp_path / "missing"}')
    assert 'docs/egoexo4d.md' in err and 'Traceback' not in err


def test_malformed_raw_records_name_file_frame_and_joint(tmp_path):
    release = build_raw_release(str(tmp_path / 'raw'))
    uid = next(u for u, n in release.take_names.items() if n == 'val_b')
    path = os.path.join(layout.raw_hand_dir(release.root, 'val', 'manual'),
                        f'{uid}.json')
    content = read_json(path, 'x')
    del content['5'][0]['annotation3D']['left_index_2']['z']
    layout.write_json(content, path)
    with pytest.raises(AnnotationError,
                       match=rf"{uid}.json: frame 5: joint 'left_index_2'"):
        prepare_egoexo4d(release.root, str(tmp_path / 'out'), ['val'],
                         progress=False)
    takes = read_json(layout.raw_takes_file(release.root), 'x')
    takes[0]['capture']['cameras'][1]['is_ego'] = True  # two 'aria' cameras
    takes[0]['capture']['cameras'][1]['cam_id'] = 'aria99'
    takes[0]['frame_aligned_videos']['aria99'] = {}
    layout.write_json(takes, layout.raw_takes_file(release.root))
    with pytest.raises(AnnotationError, match=rf'take {takes[0]["take_uid"]}'
                       r': expected exactly one ego .* found \['):
        prepare_egoexo4d(release.root, str(tmp_path / 'out'), ['val'],
                         progress=False)
