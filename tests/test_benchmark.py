"""tools/benchmark.py runs every case and its references agree.

Times are printed, never asserted: speed is the benchmark's business."""

import pytest
from tool_loader import load_tool


def _load_tool():
    return load_tool('benchmark')


@pytest.mark.slow
def test_quick_benchmark_runs_and_agrees(tmp_path):
    tool = _load_tool()
    results = tool.run(list(tool.CASES), quick=True,
                       model_dir=str(tmp_path / 'hand'))
    by_case = {r['case'].split(' ')[0]: r for r in results}
    assert by_case['rasterizer']['agreement'] == 1.0
    assert by_case['PA-MPJPE']['agreement'] == pytest.approx(1.0, abs=1e-9)
    egosynth = by_case['EgoSynth']
    assert egosynth['egohands_images_per_s'] > 0
    assert egosynth['target_images_per_s'] == 10.0


def test_reference_rasterizer_on_a_hand_worked_triangle():
    import numpy as np
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
