"""Draw EgoSynth's difficulty knobs side by side: one row per setting.

    python tools/egosynth_gallery.py [--out docs/images/egosynth_knobs.jpg]
        [--per-row 5] [--tile 160] [--hand-model DIR]

Each row renders the same scene seeds with one knob of
``tools/make_egosynth.py`` changed from the realistic default (first row),
so the rows differ only by that knob. docs/egosynth.md shows the result.
"""
import argparse
import os
import sys
from typing import List

#: (row label, make_egosynth arguments)
ROWS = [
    ('default (EgoExo4D ego view)', []),
    ('--fov 90 130 (wide, jittered)', ['--fov', '90', '130']),
    ('--hand-distance 0.4 0.8', ['--hand-distance', '0.4', '0.8']),
    ('--occluders 1', ['--occluders', '1']),
    ('--truncation 0.6', ['--truncation', '0.6']),
    ('--ambient 0.05 0.15 (dark)', ['--ambient', '0.05', '0.15']),
    ('--skin 0.8 1', ['--skin', '0.8', '1']),
    ('--backgrounds floor tiles', ['--backgrounds', 'floor', 'tiles']),
    ('--no-forearms', ['--no-forearms']),
]


def parse_args(argv: List[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Picture grid of EgoSynth's difficulty knobs")
    parser.add_argument('--out', default='docs/images/egosynth_knobs.jpg')
    parser.add_argument('--per-row', type=int, default=5)
    parser.add_argument('--tile', type=int, default=160,
                        help='tile side, px (images are rendered at 512)')
    parser.add_argument('--hand-model', default='data/hand_models/synthetic')
    parser.add_argument('--debug', action='store_true')
    return parser.parse_args(argv)


def render_row(config, count: int, hand_meshes, tile: int):
    """``count`` images of seeds 0..count-1 (validation streams), resized."""
    import cv2

    from egohands.synth.egosynth import (render_frame, sample_sequences,
                                         sequence_rng)
    scenes = sample_sequences([sequence_rng(0, 'val', i)
                               for i in range(count)], config, hand_meshes)
    return [cv2.resize(render_frame(scene, 0, 0, config,
                                    hand_meshes.faces).image, (tile, tile),
                       interpolation=cv2.INTER_AREA) for scene in scenes]


def main(argv: List[str]) -> int:
    args = parse_args(argv)
    import cv2
    import numpy as np

    from egohands.synth.egosynth.hand_meshes import HandMeshes
    from egohands.visualization.skeleton import put_label
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import make_egosynth
    make_egosynth.ensure_hand_model(args.hand_model)
    hand_meshes = HandMeshes(args.hand_model)
    rows = []
    for label, knob_args in ROWS:
        knobs = make_egosynth.parse_args(knob_args)
        make_egosynth.check_args(knobs)
        tiles = render_row(make_egosynth.knob_config(knobs), args.per_row,
                           hand_meshes, args.tile)
        row = np.hstack(tiles)
        put_label(row, label)
        rows.append(row)
        print(f'rendered: {label}')
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    cv2.imwrite(args.out, np.vstack(rows), [cv2.IMWRITE_JPEG_QUALITY, 85])
    print(f'wrote {args.out}')
    return 0


if __name__ == '__main__':
    from egohands.apis.cli import run_cli
    sys.exit(run_cli(main))
