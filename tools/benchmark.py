"""Speed of egohands' hot paths, as ratios to a reference measured side by
side in one process.

    python tools/benchmark.py [--only pipeline,loader,mpjpe,rasterizer,egosynth]
                              [--quick] [--repeats N] [--out FILE.json]

Every case times egohands and its reference **interleaved** (A, B, B, A,
A, B, ... so that a load change of the machine touches both alike), takes
the median of each, and prints the ratio next to its goal (issue 13,
point 7). ``--quick`` uses small sizes: ``tests/test_benchmark.py`` runs it
to check that every case runs and its references agree, never how fast.

==============  ===========================================================
``pipeline``    the demo config's training pipeline (LoadImage -> box ->
                TopdownAffine -> augmentations -> PackHandInputs) on 256 px
                JPEGs, as throughput relative to decoding the JPEG alone
                (``cv2.imread``). Goal >= 0.70. Prints each transform's
                share of the time.
``loader``      the demo config's own DataLoader (its batch size and
                workers) feeding training steps, against the same steps on
                one batch already in memory (the bare step). Goal <= 1.10.
``mpjpe``       ``keypoint_mpjpe(..., 'procrustes')`` against a
                re-implementation of mmpose 1.3.2's ``keypoint_mpjpe``
                (a Python loop over hands of the per-hand SVD similarity
                fit of its ``compute_similarity_transform``). Goal >= 10,
                with the temporaries bounded (peak MiB printed for N and
                4 N hands).
``rasterizer``  the vectorised z-buffer against a per-triangle numpy loop
                with the same pixel rule. The loop is a correctness
                reference, not a speed goal (no compiled rasteriser is a
                dependency of egohands); no goal.
``egosynth``    EgoSynth images per second at 256 px with 2 and with 1
                worker; the speedup is printed with the number of CPU cores
                (2 workers on a 2-core machine that also runs the main
                process cannot reach 2x). No goal here.
==============  ===========================================================
"""
import argparse
import json
import os
import statistics
import sys
import tempfile
import time
import tracemalloc
from typing import Callable, Dict, List

import numpy as np

DEMO_CONFIG = 'configs/hpvit/hpvit_vit-t_1xb64-5e_egosynth-128x96.py'
GOALS = dict(pipeline=('>=', 0.70), loader=('<=', 1.10), mpjpe=('>=', 10.0))


def interleaved(fns: Dict[str, Callable], repeats: int,
                clock: Callable[[], float] = time.perf_counter
                ) -> Dict[str, float]:
    """Median time (s) of each function, run in alternating order.

    ``clock``: wall time by default; single-process cases pass
    ``time.process_time`` (CPU time of this process), which the other
    processes of a shared machine disturb far less.
    """
    times = {name: [] for name in fns}
    names = list(fns)
    for index in range(repeats):
        for name in (names if index % 2 == 0 else names[::-1]):
            start = clock()
            fns[name]()
            times[name].append(clock() - start)
    return {name: statistics.median(t) for name, t in times.items()}


def verdict(case: str, ratio: float) -> Dict:
    if case not in GOALS:
        return dict(goal='none')
    sign, goal = GOALS[case]
    met = ratio >= goal if sign == '>=' else ratio <= goal
    return dict(goal=f'{sign} {goal}', goal_met=bool(met))


# -- pipeline and loader ---------------------------------------------------
def jpeg_dataset(root: str, num_images: int, size: int = 256) -> str:
    """A toy canonical-format dataset whose images are JPEGs; data_root."""
    import cv2

    from egohands.testing import make_toy_hand_dataset
    make_toy_hand_dataset(root, num_images=num_images, size=size, seed=0,
                          splits=('train', ))
    path = os.path.join(root, 'annotations', 'train.json')
    with open(path) as f:
        content = json.load(f)
    for image in content['images']:
        png = os.path.join(root, image['file_name'])
        jpg = os.path.splitext(png)[0] + '.jpg'
        cv2.imwrite(jpg, cv2.imread(png), [cv2.IMWRITE_JPEG_QUALITY, 90])
        os.remove(png)
        image['file_name'] = os.path.relpath(jpg, root)
    with open(path, 'w') as f:
        json.dump(content, f)
    return root + os.sep


def demo_config(data_root: str, overrides: Dict = None):
    from mmengine.config import Config
    cfg = Config.fromfile(DEMO_CONFIG)
    cfg.train_dataloader.dataset.update(
        data_root=data_root, ann_file='annotations/train.json',
        data_prefix=dict(img=''))
    cfg.merge_from_dict(overrides or {})
    return cfg


def bench_pipeline(quick: bool, repeats: int) -> Dict:
    import cv2
    from mmengine.registry import init_default_scope

    from egohands.registry import DATASETS
    init_default_scope('egohands')
    with tempfile.TemporaryDirectory() as root:
        cfg = demo_config(jpeg_dataset(root, 8 if quick else 32))
        dataset = DATASETS.build(cfg.train_dataloader.dataset)
        infos = [dataset.get_data_info(i) for i in range(len(dataset))]
        transforms = dataset.pipeline.transforms
        shares = {type(t).__name__: 0.0 for t in transforms}

        def pipeline():
            for info in infos:
                sample = dict(info)
                for transform in transforms:
                    start = time.process_time()
                    sample = transform(sample)
                    shares[type(transform).__name__] += \
                        time.process_time() - start

        def decode():
            for info in infos:
                cv2.imread(info['img_path'], cv2.IMREAD_COLOR)

        times = interleaved(dict(pipeline=pipeline, decode=decode), repeats,
                            time.process_time)
    total = sum(shares.values())
    ratio = times['decode'] / times['pipeline']
    return dict(case=f'pipeline ({len(infos)} samples, 256 px JPEG)',
                ms_per_sample=1e3 * times['pipeline'] / len(infos),
                decode_ms_per_sample=1e3 * times['decode'] / len(infos),
                throughput_ratio=ratio, **verdict('pipeline', ratio),
                shares={k: round(v / total, 3) for k, v in shares.items()})


def stop_workers(loader, iterator) -> None:
    """End a (persistent) loader iterator's workers with torch's own
    clean-up, so that no worker runs while something else is timed."""
    if hasattr(iterator, '_shutdown_workers'):
        iterator._shutdown_workers()
    loader._iterator = None


def bench_loader(quick: bool, repeats: int) -> Dict:
    import torch
    from mmengine.optim import build_optim_wrapper
    from mmengine.registry import init_default_scope
    from mmengine.runner import Runner

    from egohands.codecs import stats_from_dataset
    from egohands.registry import MODELS
    init_default_scope('egohands')
    overrides = dict(train_dataloader=dict(batch_size=8, num_workers=1),
                     model=dict(backbone=dict(depth=1))) if quick else {}
    steps = 2 if quick else 5
    with tempfile.TemporaryDirectory() as root:
        cfg = demo_config(jpeg_dataset(root, 24 if quick else 400), overrides)
        loader = Runner.build_dataloader(cfg.train_dataloader, seed=0)
        model = MODELS.build(cfg.model)
        for module in model.modules():
            if hasattr(module, 'set_statistics'):
                module.set_statistics(stats_from_dataset(loader.dataset))
        model.train()
        optim = build_optim_wrapper(model, cfg.optim_wrapper)
        first = iter(loader)
        batch = next(first)
        stop_workers(loader, first)
        times = dict(loader=[], bare=[])

        def with_loader():
            """``steps`` iterations fed by the loader's workers, started
            (and one batch fetched) before the clock; the workers are shut
            down after, so they never run during the bare steps."""
            iterator = iter(loader)
            next(iterator)
            start = time.perf_counter()
            for _ in range(steps):
                model.train_step(next(iterator), optim)
            times['loader'].append(time.perf_counter() - start)
            stop_workers(loader, iterator)

        def bare_step():
            start = time.perf_counter()
            for _ in range(steps):
                model.train_step(batch, optim)
            times['bare'].append(time.perf_counter() - start)

        model.train_step(batch, optim)  # warm-up: allocator, first calls
        for index in range(repeats):
            order = (with_loader, bare_step) if index % 2 == 0 else (
                bare_step, with_loader)
            for run_once in order:
                run_once()
        times = {k: statistics.median(v) for k, v in times.items()}
    ratio = times['loader'] / times['bare']
    return dict(case=f'loader (batch {cfg.train_dataloader.batch_size}, '
                f'{cfg.train_dataloader.num_workers} workers, '
                f'{os.cpu_count()} cores, torch threads '
                f'{torch.get_num_threads()})',
                s_per_iteration=times['loader'] / steps,
                bare_s_per_step=times['bare'] / steps,
                time_ratio=ratio, **verdict('loader', ratio))


# -- 3D metric -------------------------------------------------------------
def mmpose_style_similarity_fit(source: np.ndarray,
                                target: np.ndarray) -> np.ndarray:
    """One hand (K, 3): the reference formulation of mmpose 1.3.2's
    ``compute_similarity_transform`` (Umeyama fit by one numpy SVD of the
    3x3 cross-covariance, sign fix for reflections), re-written here."""
    src_mean, tgt_mean = source.mean(0), target.mean(0)
    src, tgt = source - src_mean, target - tgt_mean
    u, _, vt = np.linalg.svd(src.T @ tgt)
    fix = np.eye(3)
    fix[2, 2] = np.sign(np.linalg.det(vt.T @ u.T))
    rotation = vt.T @ fix @ u.T
    scale = np.trace(rotation @ src.T @ tgt) / (src**2).sum()
    return scale * src @ rotation.T + tgt_mean


def mmpose_style_mpjpe(pred, gt, mask) -> float:
    """mmpose 1.3.2 ``keypoint_mpjpe(alignment='procrustes')``: a loop of
    per-hand fits, then the mean error over the masked joints."""
    aligned = np.stack([mmpose_style_similarity_fit(p, g)
                        for p, g in zip(pred, gt)])
    return float(np.linalg.norm(aligned - gt, axis=-1)[mask].mean())


def peak_mib(fn: Callable) -> float:
    tracemalloc.start()
    fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 2**20


def bench_mpjpe(quick: bool, repeats: int) -> Dict:
    from egohands.evaluation.functional import keypoint_mpjpe
    rng = np.random.default_rng(0)
    num_hands = 2000 if quick else 100000
    gt = rng.normal(size=(num_hands, 21, 3)) * 40
    pred = gt + rng.normal(size=gt.shape) * 8
    mask = np.ones(gt.shape[:2], dtype=bool)
    ours = keypoint_mpjpe(pred, gt, mask, 'procrustes')
    reference = mmpose_style_mpjpe(pred, gt, mask)
    times = interleaved(dict(
        ours=lambda: keypoint_mpjpe(pred, gt, mask, 'procrustes'),
        reference=lambda: mmpose_style_mpjpe(pred, gt, mask)), repeats,
        time.process_time)
    small = slice(0, num_hands // 4)
    memory = [peak_mib(lambda: keypoint_mpjpe(p, g, m, 'procrustes'))
              for p, g, m in ((pred[small], gt[small], mask[small]),
                              (pred, gt, mask))]
    ratio = times['reference'] / times['ours']
    return dict(case=f'PA-MPJPE ({num_hands} hands)',
                egohands_s=times['ours'], reference_s=times['reference'],
                speedup=ratio, **verdict('mpjpe', ratio),
                peak_mib_quarter=memory[0], peak_mib_all=memory[1],
                agreement=1.0 - abs(ours - reference) / reference)


# -- rasteriser and EgoSynth -----------------------------------------------
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


def bench_rasterizer(quick: bool, repeats: int, model_dir: str) -> Dict:
    from egohands.rendering.rasterizer import rasterize
    size = 128 if quick else 256
    vertices, faces = _posed_hand(model_dir)
    K = np.array([[size * 0.6, 0, size / 2 - 0.5],
                  [0, size * 0.6, size / 2 - 0.5], [0, 0, 1]])
    ours = rasterize(vertices, faces, K, size, size).face_id
    reference = reference_rasterize(vertices, faces, K, size, size)
    times = interleaved(dict(
        ours=lambda: rasterize(vertices, faces, K, size, size),
        loop=lambda: reference_rasterize(vertices, faces, K, size, size)),
        repeats)
    return dict(case=f'rasterizer ({len(faces)} faces, {size} px) vs a '
                'per-triangle numpy loop', egohands_s=times['ours'],
                reference_s=times['loop'],
                speedup=times['loop'] / times['ours'], **verdict('', 0),
                agreement=float((ours == reference).mean()))


def bench_egosynth(quick: bool, model_dir: str) -> Dict:
    from egohands.synth.egosynth.generator import generate_egosynth
    num_images = 16 if quick else 200

    def rate(workers: int) -> float:
        with tempfile.TemporaryDirectory() as out:
            summary = generate_egosynth(
                out, dict(train=num_images), seed=0, model_dir=model_dir,
                workers=workers, progress=False, log=lambda *_: None)
        return summary['all']['images_per_s']

    two_workers, one_worker = rate(2), rate(1)
    return dict(case=f'EgoSynth 256 px ({num_images} images, '
                f'{os.cpu_count()} CPU cores)',
                two_workers_images_per_s=two_workers,
                one_worker_images_per_s=one_worker,
                speedup_2_vs_1_worker=two_workers / one_worker,
                **verdict('', 0))


CASES = ('pipeline', 'loader', 'mpjpe', 'rasterizer', 'egosynth')


def run(cases: List[str], quick: bool, model_dir: str,
        repeats: int = 0) -> List[Dict]:
    repeats = repeats or (2 if quick else 5)
    if any(case in cases for case in ('rasterizer', 'egosynth')) and \
            not os.path.isfile(os.path.join(model_dir, 'MANO_RIGHT.pkl')):
        from egohands.synth.hand import write_synthetic_model
        write_synthetic_model(model_dir)
    results = []
    for case in cases:
        if case == 'pipeline':
            results.append(bench_pipeline(quick, repeats))
        elif case == 'loader':
            results.append(bench_loader(quick, repeats))
        elif case == 'mpjpe':
            results.append(bench_mpjpe(quick, repeats))
        elif case == 'rasterizer':
            results.append(bench_rasterizer(quick, repeats, model_dir))
        else:
            results.append(bench_egosynth(quick, model_dir))
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
    parser.add_argument('--repeats', type=int, default=0,
                        help='interleaved repeats (default 5, quick 2)')
    parser.add_argument('--hand-model', default='data/hand_models/synthetic',
                        help='synthetic hand folder (written if missing)')
    parser.add_argument('--out', help='also write the results as JSON')
    args = parser.parse_args(argv)
    cases = [case for case in args.only.split(',') if case]
    unknown = sorted(set(cases) - set(CASES))
    if unknown:
        parser.error(f'unknown cases {unknown}; choose from {CASES}')
    results = run(cases, args.quick, args.hand_model, args.repeats)
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(results, f, indent=1)
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
