"""tools/perturb_rig.py: a drifted calibration per (sequence, camera) of
exactly the asked size; images, joints and the kept cameras untouched."""
import json

import numpy as np

from egohands.apis.cli import run_cli

from tool_loader import load_tool


def rig_images():
    """Two sequences of two frames seen by cameras 0 and 1 (poses in mm)."""
    images = []
    for sequence in ('a', 'b'):
        for frame in range(2):
            for view in range(2):
                pose = np.eye(4)
                pose[:3, 3] = [100.0 * view, 10.0 * frame, 0.0]
                images.append(dict(id=len(images) + 1, sequence=sequence,
                                   frame=frame, view=view,
                                   T_world_from_cam=pose.tolist()))
    return images


def drift_of(before, after):
    """(4, 4) error D with after = before @ D."""
    return np.linalg.inv(np.asarray(before)) @ np.asarray(after)


def test_one_drift_per_sequence_and_camera_of_the_asked_size():
    tool = load_tool('perturb_rig')
    images = rig_images()
    out = tool.perturb_images(images, 12.0, 2.0, keep_views=[0], seed=3)
    errors = {}
    for old, new in zip(images, out):
        error = drift_of(old['T_world_from_cam'], new['T_world_from_cam'])
        if old['view'] == 0:
            np.testing.assert_allclose(error, np.eye(4), atol=1e-12)
            continue
        assert abs(np.linalg.norm(error[:3, 3]) - 12.0) < 1e-9
        angle = np.degrees(np.arccos((np.trace(error[:3, :3]) - 1) / 2))
        assert abs(angle - 2.0) < 1e-6
        errors.setdefault(old['sequence'], []).append(error)
    for same in errors.values():  # constant within a sequence
        np.testing.assert_allclose(same[0], same[1], atol=1e-9)
    assert not np.allclose(errors['a'][0], errors['b'][0])
    assert images[1]['T_world_from_cam'][0][3] == 100.0  # input untouched


def test_the_tool_writes_a_copy_and_names_a_missing_field(tmp_path, capsys):
    tool = load_tool('perturb_rig')
    content = dict(images=rig_images(), annotations=[dict(id=1)])
    source = tmp_path / 'val.json'
    source.write_text(json.dumps(content))
    out = tmp_path / 'val_drift.json'
    assert run_cli(tool.main, [str(source), str(out), '--translation-mm',
                               '20']) == 0
    written = json.loads(out.read_text())
    assert written['annotations'] == content['annotations']
    moved = [np.linalg.norm(drift_of(a['T_world_from_cam'],
                                     b['T_world_from_cam'])[:3, 3])
             for a, b in zip(content['images'], written['images'])]
    np.testing.assert_allclose(moved, [0, 20] * 4, atol=1e-9)
    content['images'][2].pop('view')
    source.write_text(json.dumps(content))
    assert run_cli(tool.main, [str(source), str(out)]) == 2
    err = capsys.readouterr().err
    assert 'val.json: image id 3: no view' in err and 'Traceback' not in err
