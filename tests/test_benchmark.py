"""tools/benchmark.py runs every case and its references agree.

Times are printed, never asserted: speed is the benchmark's business."""

import numpy as np
import pytest
from tool_loader import load_tool


def _load_tool():
    return load_tool('benchmark')


@pytest.mark.slow
def test_quick_benchmark_runs_and_agrees(tmp_path, monkeypatch, repo_root):
    monkeypatch.chdir(repo_root)  # the demo config is read from configs/
    tool = _load_tool()
    results = tool.run(list(tool.CASES), quick=True,
                       model_dir=str(tmp_path / 'hand'))
    by_case = {r['case'].split(' ')[0]: r for r in results}
    assert by_case['rasterizer']['agreement'] == 1.0
    assert by_case['PA-MPJPE']['agreement'] == pytest.approx(1.0, abs=1e-9)
    # the training step and its bare PyTorch loop: same loss, same update
    step = by_case['step']
    assert step['loss'] == pytest.approx(step['bare_loss'], rel=1e-5)
    assert step['max_weight_difference'] < 1e-5
    # tools/test.py and the bare script report the same metrics
    test_tool = by_case['test_tool']
    assert test_tool['metrics_compared'] >= 3
    assert test_tool['max_metric_difference'] < 1e-3
    for case, goal in (('pipeline', '>= 0.7'), ('loader', '<= 1.1'),
                       ('step', '<= 1.02'), ('test_tool', '>= 0.8'),
                       ('PA-MPJPE', '>= 10.0')):
        assert by_case[case]['goal'] == goal
        assert isinstance(by_case[case]['goal_met'], bool)
        # a missed goal names what limits it
        assert by_case[case]['goal_met'] or by_case[case]['limited_by']
    assert by_case['pipeline']['throughput_ratio'] > 0
    assert by_case['loader']['time_ratio'] > 0
    assert by_case['step']['time_ratio'] > 0
    assert by_case['test_tool']['rate_ratio'] > 0
    assert by_case['EgoSynth']['two_workers_images_per_s'] > 0
    assert 'target' not in str(by_case['EgoSynth'])  # no constant target


def test_missed_goal_carries_its_profile_line():
    tool = _load_tool()
    assert tool.verdict('step', 1.5, 'data_preprocessor 9 ms') == dict(
        goal='<= 1.02', goal_met=False, limited_by='data_preprocessor 9 ms')
    assert tool.verdict('test_tool', 0.9, 'imports') == dict(
        goal='>= 0.8', goal_met=True)
    assert tool.verdict('rasterizer', 3.0) == dict(goal='none')


def test_interleaving_alternates_the_order():
    tool = _load_tool()
    calls = []
    times = tool.interleaved(dict(a=lambda: calls.append('a'),
                                  b=lambda: calls.append('b')), 4)
    assert calls == ['a', 'b', 'b', 'a', 'a', 'b', 'b', 'a']
    assert set(times) == {'a', 'b'}


def test_mmpose_style_reference_on_a_hand_worked_similarity():
    """The reference fit undoes a known scale, rotation and shift."""
    from scipy.spatial.transform import Rotation
    tool = _load_tool()
    rng = np.random.default_rng(0)
    target = rng.normal(size=(21, 3)) * 30
    rotation = Rotation.from_rotvec([0.5, 0.2, -1.0]).as_matrix()
    source = 0.5 * target @ rotation.T + [10.0, 0.0, -4.0]
    np.testing.assert_allclose(
        tool.mmpose_style_similarity_fit(source, target), target, atol=1e-9)


def test_reference_rasterizer_on_a_hand_worked_triangle():
    tool = _load_tool()
    # a right triangle in the plane z = 2 whose corners project onto the
    # pixel centres (0, 0), (4, 0), (0, 4): 15 pixel centres are covered
    K = np.array([[2.0, 0, 0], [0, 2.0, 0], [0, 0, 1]])
    vertices = np.array([[0, 0, 2.0], [4, 0, 2.0], [0, 4, 2.0]])
    face_id = tool.reference_rasterize(vertices, np.array([[0, 1, 2]]), K,
                                       6, 6)
    covered = {(y, x) for y, x in zip(*np.nonzero(face_id == 0))}
    assert covered == {(y, x) for y in range(5) for x in range(5)
                       if x + y <= 4}
