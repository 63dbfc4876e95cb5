"""Generate the EgoSynth dataset: splits of rendered images + annotations.

Layout written under ``out`` (``docs/egosynth.md``)::

    annotations/<split>.json          canonical format (docs/data_format.md)
    images/<split>/<name>.jpg         file_name = 'images/<split>/<name>.jpg'

Determinism: sequence ``i`` of a split draws only from its own generator,
seeded by ``(seed, split, i)``; sequences are processed in fixed chunks
(whatever the number of workers) with one torch thread, and the records
are assembled in order, so the same arguments give byte-identical files
with any number of workers.
"""
import math
import multiprocessing
import os
import sys
import time
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

import cv2
import numpy as np

from egohands.datasets.coco_format import image_record, write_annotation_file

from .config import EgoSynthConfig
from .render_frame import render_frame
from .scene import sample_sequences

SPLITS: Tuple[str, ...] = ('train', 'val', 'test')
#: images per chunk of work (rounded to whole sequences)
CHUNK_IMAGES = 32

_HAND_MESHES = None  # per process, set by _init_worker


def sequence_rng(seed: int, split: str, index: int) -> np.random.Generator:
    """The generator of sequence ``index`` of ``split``."""
    return np.random.default_rng(
        np.random.SeedSequence([int(seed), SPLITS.index(split), int(index)]))


def image_name(config: EgoSynthConfig, sequence: int, frame: int,
               view: int) -> str:
    """File name of an image inside ``images/<split>/``."""
    if config.images_per_sequence == 1:
        return f'{sequence:06d}.jpg'
    return f'{sequence:05d}_{frame:03d}_{view}.jpg'


@dataclass(frozen=True)
class ChunkTask:
    """Sequences ``[start, stop)`` of one split, rendered into ``out``."""
    split: str
    start: int
    stop: int
    seed: int
    out: str
    config: EgoSynthConfig


def _init_worker(model_dir: str, single_thread_cv2: bool = False) -> None:
    import torch
    global _HAND_MESHES
    torch.set_num_threads(1)
    if single_thread_cv2:  # pool workers already fill the cores
        cv2.setNumThreads(1)
    from .hand_meshes import HandMeshes
    _HAND_MESHES = HandMeshes(model_dir)


def render_chunk(task: ChunkTask) -> List[Tuple[Dict, List[Dict]]]:
    """Render a chunk, write its JPEGs; return (image record, hand records)
    per image, in order, with ids not yet assigned (annotation ids 0)."""
    config = task.config
    rngs = [sequence_rng(task.seed, task.split, i)
            for i in range(task.start, task.stop)]
    scenes = sample_sequences(rngs, config, _HAND_MESHES)
    image_dir = os.path.join(task.out, 'images', task.split)
    results = []
    for sequence, scene in zip(range(task.start, task.stop), scenes):
        for frame in range(config.seq_len):
            for view in range(config.views):
                rendered = render_frame(scene, frame, view, config,
                                        _HAND_MESHES.faces)
                name = image_name(config, sequence, frame, view)
                cv2.imwrite(os.path.join(image_dir, name), rendered.image,
                            [cv2.IMWRITE_JPEG_QUALITY, rendered.jpeg_quality])
                image_id = (sequence * config.images_per_sequence +
                            frame * config.views + view + 1)
                record = _image_record(config, image_id, task.split, name,
                                       sequence, frame, view, rendered)
                results.append((record, rendered.hands))
    return results


def _image_record(config: EgoSynthConfig, image_id: int, split: str,
                  name: str, sequence: int, frame: int, view: int,
                  rendered) -> Dict:
    """``images[]`` record; sequence / frame / view / extrinsics (mm) are
    written for sequences and rigs only."""
    multi = config.seq_len > 1 or config.views > 1
    world_from_cam_mm = rendered.T_world_from_cam.copy()
    world_from_cam_mm[:3, 3] *= 1000.0
    return image_record(
        image_id, f'images/{split}/{name}', config.width, config.height,
        rendered.K, sequence=sequence if multi else None,
        frame=frame if multi else None, view=view if multi else None,
        T_world_from_cam=world_from_cam_mm if multi else None)


def split_tasks(split: str, num_images: int, seed: int, out: str,
                config: EgoSynthConfig) -> List[ChunkTask]:
    """Fixed chunks of whole sequences covering ``num_images`` images
    (rounded up to whole sequences)."""
    sequences = math.ceil(num_images / config.images_per_sequence)
    per_chunk = max(1, CHUNK_IMAGES // config.images_per_sequence)
    return [ChunkTask(split, start, min(start + per_chunk, sequences), seed,
                      out, config)
            for start in range(0, sequences, per_chunk)]


def _run_tasks(tasks: Sequence[ChunkTask], model_dir: str, workers: int):
    """Yield chunk results in task order, in-process or from a pool."""
    if workers <= 1:
        import torch
        threads = torch.get_num_threads()
        _init_worker(model_dir)
        try:
            for task in tasks:
                yield task, render_chunk(task)
        finally:
            torch.set_num_threads(threads)
        return
    context = multiprocessing.get_context('spawn')
    with context.Pool(workers, initializer=_init_worker,
                      initargs=(model_dir, True)) as pool:
        yield from zip(tasks, pool.imap(render_chunk, tasks))


def generate_egosynth(out: str, num_images: Dict[str, int], seed: int,
                      model_dir: str,
                      config: EgoSynthConfig = EgoSynthConfig(),
                      workers: int = 1, progress: bool = True,
                      log=None) -> Dict[str, Dict]:
    """Render the splits of EgoSynth under ``out``.

    Args:
        num_images: images per split, e.g. ``{'train': 2000, 'val': 200}``
            (rounded up to whole sequences of ``seq_len * views`` images).
        seed: dataset seed; splits and sequences get independent streams.
        model_dir: hand model folder (``MANO_RIGHT.pkl``, ``MANO_LEFT.pkl``).
        workers: processes (1: in this process).
        progress: draw a progress bar on stderr.
        log: callable for the summary lines (default ``print``).

    Returns:
        per split ``images`` and ``hands``; under ``'all'`` also
        ``seconds`` and ``images_per_s`` of the whole run.
    """
    log = print if log is None else log
    splits = [split for split in SPLITS if num_images.get(split)]
    tasks = [task for split in splits
             for task in split_tasks(split, num_images[split], seed, out,
                                     config)]
    for split in splits:
        os.makedirs(os.path.join(out, 'images', split), exist_ok=True)
    total = sum(t.stop - t.start for t in tasks) * config.images_per_sequence
    records = {split: ([], []) for split in splits}
    started = time.perf_counter()
    bar = _progress_bar('EgoSynth', total, progress)
    done = 0
    for task, results in _run_tasks(tasks, model_dir, workers):
        images, annotations = records[task.split]
        for record, hands in results:
            images.append(record)
            for hand in hands:
                hand['id'] = len(annotations) + 1
                hand['image_id'] = record['id']
                annotations.append(hand)
        done += len(results)
        bar(done, time.perf_counter() - started)
    seconds = time.perf_counter() - started
    summary = {}
    for split in splits:
        images, annotations = records[split]
        write_annotation_file(
            os.path.join(out, 'annotations', f'{split}.json'), images,
            annotations, dataset_name='egosynth',
            description=describe(config, seed, split))
        summary[split] = dict(images=len(images), hands=len(annotations))
        log(f'EgoSynth {split}: {len(images)} images, {len(annotations)} '
            f'hands -> {os.path.join(out, "annotations", split + ".json")}')
    rate = done / max(seconds, 1e-9)
    summary['all'] = dict(images=done, seconds=seconds, images_per_s=rate)
    log(f'EgoSynth: {done} images at {config.width}x{config.height} in '
        f'{seconds:.1f} s = {rate:.1f} images/s with {workers} worker'
        f'{"s" if workers > 1 else ""}')
    return summary


def describe(config: EgoSynthConfig, seed: int, split: str) -> str:
    """The ``info.description`` of a split (no paths, so reproducible)."""
    return (f'EgoSynth synthetic egocentric hands, split {split}, seed '
            f'{seed}, {config.width}x{config.height}, seq_len '
            f'{config.seq_len}, views {config.views} (docs/egosynth.md)')


def _progress_bar(label: str, total: int, enabled: bool,
                  stream=None, width: int = 30):
    """A callable ``(done, seconds)`` redrawing one stderr line, at most
    once per 2 % of the work (logs stay short when stderr is a file)."""
    stream = sys.stderr if stream is None else stream
    state = {'drawn': -1}

    def draw(done: int, seconds: float) -> None:
        step = int(50 * done / max(total, 1))
        if not enabled or (step == state['drawn'] and done < total):
            return
        state['drawn'] = step
        filled = int(width * done / max(total, 1))
        rate = done / max(seconds, 1e-9)
        eta = (total - done) / max(rate, 1e-9)
        stream.write(f'\r{label} [{"#" * filled}{"." * (width - filled)}]'
                     f' {done}/{total} images {rate:5.1f} img/s '
                     f'eta {eta:4.0f} s')
        if done >= total:
            stream.write('\n')
        stream.flush()
    return draw
