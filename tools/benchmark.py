"""Speed of egohands' hot paths, as ratios measured side by side in one run.

    python tools/benchmark.py [--only rasterizer,mpjpe,egosynth] [--quick]
                              [--out FILE.json]

Each case times egohands' implementation and a reference in the same
process, one after the other, so that the load of the machine touches both
alike; it reports both times, their ratio and whether they agree. A target
(e.g. EgoSynth's 10 images/s of issue 3) is reported as a ratio to the
target, measured in the same run.

Cases:

``rasterizer``  the vectorised z-buffer of ``egohands.rendering`` against a
                one-triangle-at-a-time loop (same pixel rule), on the
                synthetic hand at 256 px; agreement = share of pixels with
                the same visible face.
``mpjpe``       ``keypoint_mpjpe(..., 'procrustes')`` over many hands against
                a per-hand loop of the EgoExo4D formula (numpy SVD);
                agreement = relative difference of the two means.
``egosynth``    EgoSynth images per second at 256 px (two workers) against
                the 10 images/s target and against one worker.

Timing is not a unit test: ``tests/test_benchmark.py`` runs ``--quick`` to
check that every case runs and agrees, never how fast it is.
"""
import argparse
import json
import os
import sys
import tempfile
import time
from typing import Callable, Dict, List

import numpy as np

EGOSYNTH_TARGET_IMAGES_PER_S = 10.0


def best_time(fn: Callable, repeats: int) -> float:
    """Shortest of ``repeats`` wall-clock runs of ``fn()``, seconds."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def reference_rasterize(vertices: np.ndarray, faces: np.ndarray,
                        K: np.ndarray, height: int, width: int) -> np.ndarray:
    """Face id per pixel, one triangle at a time (the textbook loop).

    Same rule as egohands' rasteriser: a pixel centre is covered when its
    screen-space barycentrics are all >= 0, depth is interpolated as 1/z
    (perspective-correct), the nearest face wins, ties to the lower index.
    """
    uvw = vertices @ K.T
    uv = uvw[:, :2] / uvw[:, 2:3]
    inverse_z = 1.0 / vertices[:, 2]
    best = np.full((height, width), np.inf)
    face_id = np.full((height, width), -1, dtype=np.int64)
    for index, (a, b, c) in enumerate(faces):
        (ax, ay), (bx, by), (cx, cy) = uv[a], uv[b], uv[c]
        area = (bx - ax) * (cy - ay) - (by - ay) * (cx - ax)
        if area == 0:
            continue
        x0, x1 = max(int(np.ceil(min(ax, bx, cx))), 0), min(
            int(np.floor(max(ax, bx, cx))), width - 1)
        y0, y1 = max(int(np.ceil(min(ay, by, cy))), 0), min(
            int(np.floor(max(ay, by, cy))), height - 1)
        if x0 > x1 or y0 > y1:
            continue
        px, py = np.meshgrid(np.arange(x0, x1 + 1), np.arange(y0, y1 + 1))
        w_a = ((bx - px) * (cy - py) - (by - py) * (cx - px)) / area
        w_b = ((cx - px) * (ay - py) - (cy - py) * (ax - px)) / area
        w_c = 1.0 - w_a - w_b
        inside = (w_a >= 0) & (w_b >= 0) & (w_c >= 0)
        depth = 1.0 / (w_a * inverse_z[a] + w_b * inverse_z[b] +
                       w_c * inverse_z[c])
        window = best[y0:y1 + 1, x0:x1 + 1]
        nearer = inside & (depth < window)
        window[nearer] = depth[nearer]
        face_id[y0:y1 + 1, x0:x1 + 1][nearer] = index
    return face_id


def _posed_hand(model_dir: str):
    """Vertices (m, camera frame) of a grasping synthetic hand 30 cm away."""
    import torch

    from egohands.hand_models import build_hand_model, sample_hand_pose
    hand = build_hand_model(dict(model_path=model_dir, side='right'))
    pose = sample_hand_pose(np.random.default_rng(0), 1, style='grasp')
    with torch.no_grad():
        out = hand(torch.as_tensor(pose, dtype=torch.float32),
                   global_orient=torch.tensor([[2.2, 0.0, 0.0]]))
    vertices = out.vertices_m[0].numpy().astype(np.float64)
    vertices += np.array([0.0, 0.0, 0.30]) - vertices.mean(0)
    return vertices, hand.faces


def bench_rasterizer(model_dir: str, quick: bool) -> Dict:
    from egohands.rendering.rasterizer import rasterize
    size = 128 if quick else 256
    vertices, faces = _posed_hand(model_dir)
    K = np.array([[size * 0.6, 0, size / 2 - 0.5],
                  [0, size * 0.6, size / 2 - 0.5], [0, 0, 1]])
    ours = rasterize(vertices, faces, K, size, size).face_id
    reference = reference_rasterize(vertices, faces, K, size, size)
    repeats = 1 if quick else 3
    t_ours = best_time(lambda: rasterize(vertices, faces, K, size, size),
                       repeats)
    t_ref = best_time(
        lambda: reference_rasterize(vertices, faces, K, size, size), repeats)
    return dict(case=f'rasterizer ({len(faces)} faces, {size} px)',
                egohands_s=t_ours, reference_s=t_ref,
                speedup=t_ref / t_ours,
                agreement=float((ours == reference).mean()))


def reference_p_mpjpe(pred: np.ndarray, gt: np.ndarray) -> float:
    """EgoExo4D's per-hand similarity Procrustes error (one hand)."""
    mu_g, mu_p = gt.mean(0), pred.mean(0)
    g0, p0 = gt - mu_g, pred - mu_p
    norm_g, norm_p = np.linalg.norm(g0), np.linalg.norm(p0)
    u, s, vt = np.linalg.svd((g0 / norm_g).T @ (p0 / norm_p))
    v = vt.T
    rotation = v @ u.T
    if np.linalg.det(rotation) < 0:
        v[:, -1] *= -1
        s[-1] *= -1
        rotation = v @ u.T
    scale = s.sum() * norm_g / norm_p
    aligned = scale * pred @ rotation + (mu_g - scale * mu_p @ rotation)
    return float(np.linalg.norm(aligned - gt, axis=-1).mean())


def bench_mpjpe(quick: bool) -> Dict:
    from egohands.evaluation.functional import keypoint_mpjpe
    rng = np.random.default_rng(0)
    num_hands = 2000 if quick else 20000
    gt = rng.normal(size=(num_hands, 21, 3)) * 40
    pred = gt + rng.normal(size=gt.shape) * 8
    mask = np.ones(gt.shape[:2], dtype=bool)

    def loop():
        return float(np.mean([reference_p_mpjpe(p, g)
                              for p, g in zip(pred, gt)]))

    ours = keypoint_mpjpe(pred, gt, mask, 'procrustes')
    reference = loop()
    repeats = 1 if quick else 3
    t_ours = best_time(lambda: keypoint_mpjpe(pred, gt, mask, 'procrustes'),
                       repeats)
    t_ref = best_time(loop, repeats)
    return dict(case=f'PA-MPJPE ({num_hands} hands)', egohands_s=t_ours,
                reference_s=t_ref, speedup=t_ref / t_ours,
                agreement=1.0 - abs(ours - reference) / reference)


def bench_egosynth(model_dir: str, quick: bool) -> Dict:
    from egohands.synth.egosynth.generator import generate_egosynth
    num_images = 16 if quick else 200

    def rate(workers: int) -> float:
        with tempfile.TemporaryDirectory() as out:
            summary = generate_egosynth(
                out, dict(train=num_images), seed=0, model_dir=model_dir,
                workers=workers, progress=False, log=lambda *_: None)
        return summary['all']['images_per_s']

    two_workers, one_worker = rate(2), rate(1)
    return dict(case=f'EgoSynth 256 px ({num_images} images)',
                egohands_images_per_s=two_workers,
                one_worker_images_per_s=one_worker,
                target_images_per_s=EGOSYNTH_TARGET_IMAGES_PER_S,
                ratio_to_target=two_workers / EGOSYNTH_TARGET_IMAGES_PER_S,
                speedup=two_workers / one_worker)


CASES = ('rasterizer', 'mpjpe', 'egosynth')


def run(cases: List[str], quick: bool, model_dir: str) -> List[Dict]:
    if any(case in cases for case in ('rasterizer', 'egosynth')) and \
            not os.path.isfile(os.path.join(model_dir, 'MANO_RIGHT.pkl')):
        from egohands.synth.hand import write_synthetic_model
        write_synthetic_model(model_dir)
    results = []
    for case in cases:
        if case == 'rasterizer':
            results.append(bench_rasterizer(model_dir, quick))
        elif case == 'mpjpe':
            results.append(bench_mpjpe(quick))
        else:
            results.append(bench_egosynth(model_dir, quick))
        print(format_result(results[-1]), flush=True)
    return results


def format_result(result: Dict) -> str:
    fields = ', '.join(
        f'{key} {value:.4g}' if isinstance(value, float) else
        f'{key} {value}' for key, value in result.items() if key != 'case')
    return f'{result["case"]}: {fields}'


def main(argv: List[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--only', default=','.join(CASES),
                        help=f'comma-separated cases of {CASES}')
    parser.add_argument('--quick', action='store_true',
                        help='small sizes: checks that every case runs')
    parser.add_argument('--hand-model', default='data/hand_models/synthetic',
                        help='synthetic hand folder (written if missing)')
    parser.add_argument('--out', help='also write the results as JSON')
    args = parser.parse_args(argv)
    cases = [case for case in args.only.split(',') if case]
    unknown = sorted(set(cases) - set(CASES))
    if unknown:
        parser.error(f'unknown cases {unknown}; choose from {CASES}')
    results = run(cases, args.quick, args.hand_model)
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(results, f, indent=1)
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
