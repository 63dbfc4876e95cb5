"""Copy a rig's annotation file with drifted camera calibrations.

    python tools/perturb_rig.py IN.json OUT.json --translation-mm 10
        [--rotation-deg 0] [--keep-views 0] [--seed 0]

A headset's calibration drifts: the cameras' true poses no longer match
the stored extrinsics. This tool keeps the images, joints and keypoints of
a rig's annotation file (docs/data_format.md) and replaces each image's
``T_world_from_cam`` (mm) by ``T_world_from_cam @ D``, one rigid error
``D`` per (sequence, camera): the camera's believed centre moves by
exactly ``--translation-mm`` in a random direction, and its believed
orientation turns by exactly ``--rotation-deg`` about a random axis. The
cameras in ``--keep-views`` (default 0, the multi-view model's reference
camera) keep their calibration, so only the rig's relative poses drift.
A model then sees rig A's images with rig A' extrinsics
(docs/multiview.md, "Extrinsic noise against calibration drift").
"""
import argparse
import json
import sys
from typing import Dict, List, Sequence

import numpy as np


def parse_args(argv: List[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Drift the camera '
                                     'calibration of a rig annotation file')
    parser.add_argument('ann_file', help='canonical annotation file (.json)')
    parser.add_argument('out', help='annotation file to write (.json)')
    parser.add_argument('--translation-mm', type=float, default=10.0,
                        help='shift of each drifted camera centre, mm')
    parser.add_argument('--rotation-deg', type=float, default=0.0,
                        help='turn of each drifted camera, degrees')
    parser.add_argument('--keep-views', type=int, nargs='*', default=[0],
                        help='camera ids that keep their calibration')
    parser.add_argument('--seed', type=int, default=0)
    return parser.parse_args(argv)


def unit_vectors(rng: np.random.Generator, count: int) -> np.ndarray:
    """(count, 3) random directions, uniform on the sphere."""
    vectors = rng.normal(size=(count, 3))
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def drift(rng: np.random.Generator, translation_mm: float,
          rotation_deg: float) -> np.ndarray:
    """(4, 4) rigid error in camera coordinates: a turn of exactly
    ``rotation_deg`` and a shift of exactly ``translation_mm`` (mm)."""
    from egohands.geometry.rotation import axis_angle_to_matrix
    axis, direction = unit_vectors(rng, 2)
    error = np.eye(4)
    error[:3, :3] = np.asarray(axis_angle_to_matrix(
        axis * np.deg2rad(rotation_deg)), np.float64)
    error[:3, 3] = direction * translation_mm
    return error


def perturb_images(images: Sequence[Dict], translation_mm: float,
                   rotation_deg: float, keep_views: Sequence[int],
                   seed: int, source: str = 'annotations') -> List[Dict]:
    """Copies of ``images`` with drifted ``T_world_from_cam`` (see the
    module docstring); one error per (sequence, view), drawn in the order
    the pairs first appear."""
    from egohands.utils.errors import AnnotationError
    rng = np.random.default_rng(seed)
    errors: Dict = {}
    out = []
    for image in images:
        image = dict(image)
        missing = [k for k in ('sequence', 'view', 'T_world_from_cam')
                   if image.get(k) is None]
        if missing:
            raise AnnotationError(
                f'{source}: image id {image.get("id")}: no {", ".join(missing)}; '
                'perturb_rig needs a rig (docs/data_format.md)')
        if int(image['view']) not in keep_views:
            key = (str(image['sequence']), int(image['view']))
            if key not in errors:
                errors[key] = drift(rng, translation_mm, rotation_deg)
            pose = np.asarray(image['T_world_from_cam'], np.float64)
            image['T_world_from_cam'] = (pose @ errors[key]).tolist()
        out.append(image)
    return out


def main(argv: List[str]) -> int:
    from egohands.utils.errors import ConfigError, MissingAssetError
    args = parse_args(argv)
    if args.translation_mm < 0 or args.rotation_deg < 0:
        raise ConfigError('--translation-mm and --rotation-deg must be >= 0')
    try:
        with open(args.ann_file) as f:
            content = json.load(f)
    except FileNotFoundError:
        raise MissingAssetError(f'{args.ann_file}: no such annotation file')
    content['images'] = perturb_images(
        content['images'], args.translation_mm, args.rotation_deg,
        args.keep_views, args.seed, args.ann_file)
    with open(args.out, 'w') as f:
        json.dump(content, f)
    print(f'{args.out}: {len(content["images"])} images, cameras other than '
          f'{args.keep_views} drifted by {args.translation_mm} mm / '
          f'{args.rotation_deg} deg per sequence')
    return 0


if __name__ == '__main__':
    from egohands.apis.cli import run_cli
    sys.exit(run_cli(main))
