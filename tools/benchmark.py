"""Speed of egohands' hot paths, as ratios to a reference measured side by
side in one run.

    python tools/benchmark.py [--only pipeline,loader,step,test_tool,mpjpe,
                               rasterizer,egosynth] [--data-root DIR]
                              [--quick] [--repeats N] [--out FILE.json]

Every case times egohands and its reference **interleaved** (A, B, B, A,
A, B, ... so that a load change of the machine touches both alike), takes
the median of each, and prints the ratio next to its goal (issue 13,
point 7); a missed goal also prints ``limited_by``, the profile line that
keeps it from the goal. ``--quick`` uses small sizes:
``tests/test_benchmark.py`` runs it to check that every case runs and its
references agree, never how fast. docs/benchmarks.md has the numbers.

The demo config is the Makefile's (``DEMO_CONFIG``); its data is
``--data-root`` (a rendered EgoSynth such as the demo's) or toy 512-px JPEGs.

==============  ===========================================================
``pipeline``    the demo's training pipeline (LoadImage -> box ->
                TopdownAffine -> augmentations -> PackHandInputs), as
                throughput relative to decoding the JPEG alone
                (``cv2.imread``). Goal >= 0.70. CPU time; prints each
                transform's time per sample.
``loader``      the demo config's own DataLoader (its batch size and
                workers) feeding training steps, against the same steps on
                one batch already in memory. Goal <= 1.10.
``step``        ``model.train_step`` (data preprocessor, losses, optim
                wrapper) against a bare PyTorch loop on the same modules,
                batch and optimizer (``benchmark_cases/training_step.py``);
                losses and updated weights compared. Goal <= 1.02.
``test_tool``   ``tools/test.py`` end to end (hands/s, a process each run)
                against a bare script (``benchmark_cases/bare_test.py``) on
                the same validation images and checkpoint; metrics
                compared. Goal >= 0.80.
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
import contextlib
import json
import os
import statistics
import sys
import tempfile
import time
import tracemalloc
from typing import Callable, Dict, Iterator, List, Optional

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchmark_cases.common import (DEMO_CONFIG, GOALS,  # noqa: E402,F401
                                    demo_config, interleaved, jpeg_dataset,
                                    subset_annotations, verdict)


@contextlib.contextmanager
def demo_data(data_root: Optional[str], num_images: int) -> Iterator[str]:
    """``data_root`` (a canonical-format dataset of JPEGs with train and
    val splits, e.g. a rendered EgoSynth), or a toy one of ``num_images``
    512-px JPEGs per split written to a temporary folder."""
    if data_root:
        yield data_root.rstrip('/') + '/'
        return
    with tempfile.TemporaryDirectory() as root:
        yield jpeg_dataset(root, num_images, splits=('train', 'val'))


def train_dataset(data_root: str, num_samples: Optional[int] = None):
    """(demo config, its training dataset on ``data_root``, cut to the
    first ``num_samples`` hands when given)."""
    from egohands.registry import DATASETS
    cfg = demo_config(data_root)
    dataset = DATASETS.build(dict(cfg.train_dataloader.dataset,
                                  indices=num_samples))
    return cfg, dataset


def bench_pipeline(quick: bool, repeats: int, data_root: str) -> Dict:
    import cv2
    _, dataset = train_dataset(data_root, 8 if quick else 64)
    infos = [dataset.get_data_info(i) for i in range(len(dataset))]
    transforms = dataset.pipeline.transforms
    spent = {type(t).__name__: 0.0 for t in transforms}

    def pipeline():
        for info in infos:
            sample = dict(info)
            for transform in transforms:
                sample = transform(sample)

    def timed_transforms():
        """One pass timing each transform (not in the ratio: the clock
        calls would be charged to the pipeline)."""
        for info in infos:
            sample = dict(info)
            for transform in transforms:
                start = time.process_time()
                sample = transform(sample)
                spent[type(transform).__name__] += \
                    time.process_time() - start

    def decode():
        for info in infos:
            cv2.imread(info['img_path'], cv2.IMREAD_COLOR)

    times = interleaved(dict(pipeline=pipeline, decode=decode), repeats,
                        time.process_time)
    for _ in range(repeats):
        timed_transforms()
    total = sum(spent.values())
    ms_each = {name: 1e3 * value / (repeats * len(infos))
               for name, value in spent.items()}
    ratio = times['decode'] / times['pipeline']
    decode_ms = 1e3 * times['decode'] / len(infos)
    limit = ', '.join(f'{name} {ms:.3f} ms ({100 * spent[name] / total:.0f}'
                      ' %)' for name, ms in sorted(
                          ms_each.items(), key=lambda item: -item[1]))
    side = infos[0].get('img_shape', ('?', ))[0]
    return dict(case=f'pipeline ({len(infos)} samples, {side} px JPEG)',
                ms_per_sample=1e3 * times['pipeline'] / len(infos),
                decode_ms_per_sample=decode_ms,
                throughput_ratio=ratio, **verdict(
                    'pipeline', ratio,
                    f'per sample: decode {decode_ms:.3f} ms; {limit}'),
                ms_per_transform={k: round(v, 4) for k, v in ms_each.items()})


def stop_workers(loader, iterator) -> None:
    """End a (persistent) loader iterator's workers with torch's own
    clean-up, so that no worker runs while something else is timed."""
    if hasattr(iterator, '_shutdown_workers'):
        iterator._shutdown_workers()
    loader._iterator = None


def bench_loader(quick: bool, repeats: int, data_root: str) -> Dict:
    import torch
    from mmengine.runner import Runner

    from benchmark_cases.training_step import build_demo_training
    steps = 2 if quick else 5
    cfg = demo_config(data_root)
    if quick:  # the toy data holds a few dozen hands
        cfg.train_dataloader.batch_size = 4
    cfg.train_dataloader.dataset.indices = \
        cfg.train_dataloader.batch_size * (steps + 2)
    loader = Runner.build_dataloader(cfg.train_dataloader, seed=0)
    model, optim, batch = build_demo_training(
        cfg, loader.dataset, cfg.train_dataloader.batch_size)
    times = dict(loader=[], bare=[])
    waits = []

    def with_loader():
        """``steps`` iterations fed by the loader's workers, started (and
        one batch fetched) before the clock; the workers are shut down
        after, so they never run during the bare steps."""
        iterator = iter(loader)
        next(iterator)
        start = time.perf_counter()
        for _ in range(steps):
            fetch = time.perf_counter()
            data = next(iterator)
            waits.append(time.perf_counter() - fetch)
            model.train_step(data, optim)
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
    wait_ms = 1e3 * statistics.median(waits)
    return dict(case=f'loader (batch {cfg.train_dataloader.batch_size}, '
                f'{cfg.train_dataloader.num_workers} workers, '
                f'{os.cpu_count()} cores, torch threads '
                f'{torch.get_num_threads()})',
                s_per_iteration=times['loader'] / steps,
                bare_s_per_step=times['bare'] / steps,
                time_ratio=ratio, **verdict(
                    'loader', ratio, f'the main process waits {wait_ms:.0f}'
                    ' ms (median) for each batch'))


def bench_step(quick: bool, repeats: int, data_root: str) -> Dict:
    """Timed in CPU time with one torch thread: with several, threads that
    spin while waiting inflate the CPU time of a loaded machine."""
    import torch
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        return _bench_step(quick, repeats, data_root)
    finally:
        torch.set_num_threads(threads)


def _bench_step(quick: bool, repeats: int, data_root: str) -> Dict:
    from benchmark_cases import training_step as ts
    steps = 1 if quick else 3
    cfg, dataset = train_dataset(data_root, 8 if quick else 256)
    batch_size = 8 if quick else cfg.train_dataloader.batch_size
    model, optim, batch = ts.build_demo_training(cfg, dataset, batch_size)
    bare = ts.bare_step_fn(model, optim, batch, cfg.model.data_preprocessor)

    def ours() -> float:
        return float(model.train_step(batch, optim)['loss'].detach())

    ours_loss, bare_loss, weight_diff = ts.compare_one_step(
        model, optim, ours, bare)
    ours()
    bare()  # warm-up
    times = interleaved(dict(
        egohands=lambda: [ours() for _ in range(steps)],
        bare=lambda: [bare() for _ in range(steps)]), repeats,
        time.process_time)
    ratio = times['egohands'] / times['bare']
    phases = ts.step_phases(model, optim, batch, max(3, repeats))
    limit = 'egohands step phases (CPU ms): ' + ', '.join(
        f'{name} {1e3 * value:.1f}' for name, value in phases.items()) + \
        f'; bare step {1e3 * times["bare"] / steps:.1f} in all'
    return dict(case=f'step (batch {batch_size}, demo model, CPU, 1 thread)',
                ms_per_step=1e3 * times['egohands'] / steps,
                bare_ms_per_step=1e3 * times['bare'] / steps,
                time_ratio=ratio, **verdict('step', ratio, limit),
                loss=ours_loss, bare_loss=bare_loss,
                loss_agreement=1.0 - abs(ours_loss - bare_loss) /
                abs(bare_loss), max_weight_difference=weight_diff)


def bench_test_tool(quick: bool, repeats: int, data_root: str,
                    scratch: str) -> Dict:
    from benchmark_cases import test_tool as tt
    cfg, dataset = train_dataset(data_root, 8 if quick else 256)
    ann_file = subset_annotations(data_root, 'val', 8 if quick else 100,
                                  os.path.join(scratch, 'val_subset.json'))
    checkpoint = os.path.join(scratch, 'demo.pth')
    tt.write_checkpoint(cfg, dataset, checkpoint)
    config = os.path.abspath(DEMO_CONFIG)
    runs = iter(range(10**6))

    def tool():
        work_dir = os.path.join(scratch, f'test_{next(runs)}')
        tt.run_timed(tt.tool_command(config, checkpoint, data_root,
                                     ann_file, work_dir))
        with open(os.path.join(work_dir, 'metrics.json')) as f:
            outputs['tool'] = json.load(f)

    def bare():
        outputs['bare'] = json.loads(tt.run_timed(
            [sys.executable, tt.BARE, config, checkpoint, data_root,
             ann_file])[1].strip().splitlines()[-1])

    outputs = {}
    times = interleaved(dict(tool=tool, bare=bare), repeats)
    hands = outputs['bare']['hands']
    ratio = times['bare'] / times['tool']
    limit = None
    if not verdict('test_tool', ratio)['goal_met']:
        phases = tt.profile_phases(
            tt.tool_command(config, checkpoint, data_root, ann_file,
                            os.path.join(scratch, 'profiled')),
            os.path.join(scratch, 'test.prof'))
        limit = tt.profile_line(phases, times['bare'])
    common = sorted(set(outputs['tool']) & set(outputs['bare']['metrics']))
    differences = [abs(outputs['tool'][name] - outputs['bare']['metrics'][
        name]) for name in common]
    return dict(case=f'test_tool ({hands} hands, demo checkpoint)',
                hands_per_s=hands / times['tool'],
                bare_hands_per_s=hands / times['bare'], rate_ratio=ratio,
                **verdict('test_tool', ratio, limit),
                metrics_compared=len(common),
                max_metric_difference=max(differences, default=float('nan')))


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


def top_functions(fn: Callable, count: int = 3) -> str:
    """The ``count`` functions of one ``fn()`` call with the most own time
    (cProfile), as ``name s`` pairs."""
    import cProfile
    import pstats
    profile = cProfile.Profile()
    profile.runcall(fn)
    rows = sorted(pstats.Stats(profile).stats.items(),
                  key=lambda item: -item[1][2])[:count]
    return ', '.join(f'{os.path.basename(path)}:{name} {row[2]:.3f} s'
                     for (path, _, name), row in rows)


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
    limit = 'egohands, most CPU time first: ' + top_functions(
        lambda: keypoint_mpjpe(pred, gt, mask, 'procrustes'))
    return dict(case=f'PA-MPJPE ({num_hands} hands)',
                egohands_s=times['ours'], reference_s=times['reference'],
                speedup=ratio, **verdict('mpjpe', ratio, limit),
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


CASES = ('pipeline', 'loader', 'step', 'test_tool', 'mpjpe', 'rasterizer',
         'egosynth')


def run(cases: List[str], quick: bool, model_dir: str, repeats: int = 0,
        data_root: Optional[str] = None) -> List[Dict]:
    repeats = repeats or (2 if quick else 5)
    if any(case in cases for case in ('rasterizer', 'egosynth')) and \
            not os.path.isfile(os.path.join(model_dir, 'MANO_RIGHT.pkl')):
        from egohands.synth.hand import write_synthetic_model
        write_synthetic_model(model_dir)
    with demo_data(data_root, 16 if quick else 160) as root, \
            tempfile.TemporaryDirectory() as scratch:
        return [run_case(case, quick, repeats, model_dir, root, scratch)
                for case in cases]


def run_case(case: str, quick: bool, repeats: int, model_dir: str,
             data_root: str, scratch: str) -> Dict:
    """One case's result, printed as it is known."""
    if case == 'pipeline':
        result = bench_pipeline(quick, repeats, data_root)
    elif case == 'loader':
        result = bench_loader(quick, repeats, data_root)
    elif case == 'step':
        result = bench_step(quick, repeats, data_root)
    elif case == 'test_tool':
        result = bench_test_tool(quick, repeats, data_root, scratch)
    elif case == 'mpjpe':
        result = bench_mpjpe(quick, repeats)
    elif case == 'rasterizer':
        result = bench_rasterizer(quick, repeats, model_dir)
    else:
        result = bench_egosynth(quick, model_dir)
    print(format_result(result), flush=True)
    return result


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
    parser.add_argument('--data-root',
                        help='a canonical-format dataset of JPEGs with '
                        'train and val splits (e.g. the demo\'s rendered '
                        'EgoSynth); default: toy 512-px JPEGs written to a '
                        'temporary folder')
    parser.add_argument('--out', help='also write the results as JSON')
    args = parser.parse_args(argv)
    cases = [case for case in args.only.split(',') if case]
    unknown = sorted(set(cases) - set(CASES))
    if unknown:
        parser.error(f'unknown cases {unknown}; choose from {CASES}')
    results = run(cases, args.quick, args.hand_model, args.repeats,
                  args.data_root)
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(results, f, indent=1)
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
