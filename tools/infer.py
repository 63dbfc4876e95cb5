"""Run a hand-pose model on your own images, folders or videos.

    python tools/infer.py CONFIG_OR_NAME [CHECKPOINT] INPUT
        [--bboxes FILE | --detector CONFIG DET_CHECKPOINT] [--out-dir DIR]
        [--K fx fy cx cy] [--layout egoexo4d coco3d] [--batch-size N]
        [--show] [--device cpu] [--cfg-options k=v ...]

CONFIG_OR_NAME is a config file (with CHECKPOINT, ``.pth`` or ``.onnx``),
a model-zoo name (downloaded, sha256-checked, cached: python
tools/download.py --list) or an exported ``.onnx`` file. INPUT is an image,
a folder of images or a video file. Hand boxes come from ``--bboxes`` (a
COCO file or ``{image name: [[x0, y0, x1, y1], ...]}``; video frames are
named ``<video stem>_<index:06d>``), else from ``--detector`` (a hand
detector config and checkpoint, e.g. configs/handcenter/), else each image is
one hand crop. Writes ``DIR/vis/*.jpg`` and ``DIR/predictions.json`` (one
record per hand; format: egohands/apis/prediction_records.py). ``--show``
opens a window per picture (needs a display). User mistakes end with one
``error:`` line and status 2.
"""
import argparse
import os.path as osp
import sys
from typing import List


def parse_args(argv: List[str]) -> argparse.Namespace:
    from egohands.apis.cli import add_runner_arguments
    parser = argparse.ArgumentParser(
        description='Predict 3D hands on images, folders or videos')
    parser.add_argument('model', help='config file, model-zoo name or .onnx')
    parser.add_argument('paths', nargs='+', metavar='[CHECKPOINT] INPUT',
                        help='checkpoint (for a config) and the input')
    parser.add_argument('--bboxes', metavar='FILE',
                        help='hand boxes: COCO or {image: [[x0,y0,x1,y1]]}')
    parser.add_argument('--detector', nargs=2,
                        metavar=('CONFIG', 'CHECKPOINT'),
                        help='a hand detector for frames without boxes')
    parser.add_argument('--out-dir', default='infer_out',
                        help='where pictures and predictions go')
    parser.add_argument('--K', nargs=4, type=float,
                        metavar=('FX', 'FY', 'CX', 'CY'),
                        help='camera intrinsics in px (default: a 60 deg '
                        'horizontal field of view)')
    parser.add_argument('--layout', nargs='+', default=[],
                        choices=('egoexo4d', 'coco3d'),
                        help='also write these prediction layouts')
    parser.add_argument('--batch-size', type=int, default=16)
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--show', action='store_true',
                        help='show each picture in a window')
    add_runner_arguments(parser)
    args = parser.parse_args(argv)
    if len(args.paths) > 2:
        parser.error('expected [CHECKPOINT] INPUT')
    args.checkpoint = args.paths[0] if len(args.paths) == 2 else None
    args.input = args.paths[-1]
    return args


def main(argv: List[str]) -> int:
    args = parse_args(argv)
    import numpy as np

    from egohands.apis import HandPoseInferencer
    from egohands.utils.errors import ConfigError
    if args.bboxes and args.detector:
        raise ConfigError('give --bboxes or --detector, not both')
    detector = None
    if args.detector:
        from egohands.apis import init_detector
        detector = init_detector(args.detector[0], args.detector[1],
                                 args.device)
    K = None
    if args.K:
        fx, fy, cx, cy = args.K
        K = np.array([[fx, 0, cx], [0, fy, cy], [0, 0, 1]], np.float32)
    inferencer = HandPoseInferencer(args.model, args.checkpoint,
                                    args.device, detector=detector,
                                    batch_size=args.batch_size,
                                    cfg_options=args.cfg_options)
    results = inferencer(args.input, bboxes=args.bboxes, K=K,
                         out_dir=args.out_dir, layouts=args.layout)
    hands = sum(len(r['hands']) for r in results)
    print(f'{hands} hands in {len(results)} frames; pictures in '
          f'{osp.join(args.out_dir, "vis")}, predictions in '
          f'{osp.join(args.out_dir, "predictions.json")}')
    if args.show:
        show_pictures(osp.join(args.out_dir, 'vis'),
                      [r['name'] for r in results])
    return 0


def show_pictures(folder: str, names: List[str]) -> None:
    """One OpenCV window per picture; any key shows the next, q stops."""
    import cv2
    for name in names:
        picture = cv2.imread(osp.join(folder, osp.splitext(name)[0] +
                                      '.jpg'))
        if picture is None:
            continue
        cv2.imshow('egohands', picture)
        if cv2.waitKey(0) & 0xFF == ord('q'):
            break
    cv2.destroyAllWindows()


if __name__ == '__main__':
    from egohands.apis.cli import run_cli
    sys.exit(run_cli(main))
