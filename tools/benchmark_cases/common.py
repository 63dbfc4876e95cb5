"""What every benchmark case shares: the demo config and its data, the
interleaved timer and the goals of issue 13, point 7."""
import json
import os
import statistics
import time
from typing import Callable, Dict, Optional

#: the model of ``make demo`` (the Makefile's DEMO_CONFIG)
DEMO_CONFIG = \
    'configs/integral/integral_resnet18-w32_1xb32-10e_egosynth-64x64.py'
#: side of the rendered images the demo reads (EgoSynth's default), px
DEMO_IMAGE_SIZE = 512
GOALS = dict(pipeline=('>=', 0.70), loader=('<=', 1.10), mpjpe=('>=', 10.0),
             step=('<=', 1.02), test_tool=('>=', 0.80))


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


def verdict(case: str, ratio: float, limit: Optional[str] = None) -> Dict:
    """``goal`` and ``goal_met`` of a case; a missed goal also carries
    ``limited_by``, the profile line that keeps the ratio from the goal."""
    if case not in GOALS:
        return dict(goal='none')
    sign, goal = GOALS[case]
    met = bool(ratio >= goal if sign == '>=' else ratio <= goal)
    result = dict(goal=f'{sign} {goal}', goal_met=met)
    if not met and limit:
        result['limited_by'] = limit
    return result


def jpeg_dataset(root: str, num_images: int,
                 size: int = DEMO_IMAGE_SIZE,
                 splits=('train', )) -> str:
    """A toy canonical-format dataset whose images are JPEGs; data_root.

    Stands in for a rendered EgoSynth when ``--data-root`` is not given
    (drawn toy hands; the runs of docs/benchmarks.md read the rendered
    demo data).
    """
    import cv2

    from egohands.testing import make_toy_hand_dataset
    make_toy_hand_dataset(root, num_images=num_images, size=size, seed=0,
                          splits=tuple(splits))
    for split in splits:
        path = os.path.join(root, 'annotations', f'{split}.json')
        with open(path) as f:
            content = json.load(f)
        for ann in content['annotations']:  # the demo head has 3 classes
            ann['grasp'] = ann['grasp'] % 3 if ann.get('grasp', -1) >= 0 \
                else -1
        for image in content['images']:
            png = os.path.join(root, image['file_name'])
            jpg = os.path.splitext(png)[0] + '.jpg'
            cv2.imwrite(jpg, cv2.imread(png), [cv2.IMWRITE_JPEG_QUALITY, 90])
            os.remove(png)
            image['file_name'] = os.path.relpath(jpg, root)
        with open(path, 'w') as f:
            json.dump(content, f)
    return root + os.sep


def subset_annotations(data_root: str, split: str, num_images: int,
                       out_file: str) -> str:
    """Write the first ``num_images`` images of ``split`` (and their hands)
    of a canonical-format dataset to ``out_file``; returns its path."""
    with open(os.path.join(data_root, 'annotations', f'{split}.json')) as f:
        content = json.load(f)
    images = content['images'][:num_images]
    kept = {image['id'] for image in images}
    content['images'] = images
    content['annotations'] = [ann for ann in content['annotations']
                              if ann['image_id'] in kept]
    with open(out_file, 'w') as f:
        json.dump(content, f)
    return out_file


def demo_config(data_root: str, overrides: Optional[Dict] = None,
                ann_file: str = 'annotations/train.json'):
    """The demo config with its training loader on ``data_root``; egohands
    becomes the default registry scope, so that mmengine's builders (the
    Runner's loaders) find its datasets whichever case runs first."""
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    init_default_scope('egohands')
    cfg = Config.fromfile(DEMO_CONFIG)
    cfg.train_dataloader.dataset.update(
        data_root=data_root, ann_file=ann_file, data_prefix=dict(img=''))
    cfg.merge_from_dict(overrides or {})
    return cfg
