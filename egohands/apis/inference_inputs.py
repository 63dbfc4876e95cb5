"""What the inferencer reads: frames of images, folders, videos and arrays,
and hand boxes from a JSON or COCO file.

A frame is ``Frame(name, image, img_path, index)``: ``name`` keys boxes
and output files (an image's file name, ``<video stem>_<index:06d>`` for a
video frame, ``array_<index:06d>`` for an array), ``image`` (h, w, 3) uint8
BGR, ``img_path`` the file it came from ('' for arrays and video frames).
"""
from __future__ import annotations

import json
import os
import os.path as osp
from typing import Dict, Iterator, List, NamedTuple, Optional, Sequence

import numpy as np

from egohands.utils.errors import InputError

IMAGE_SUFFIXES = ('.jpg', '.jpeg', '.png', '.bmp', '.tif', '.tiff', '.webp')
VIDEO_SUFFIXES = ('.mp4', '.avi', '.mov', '.mkv', '.webm', '.m4v')


class Frame(NamedTuple):
    name: str
    image: np.ndarray
    img_path: str
    index: int


class BoxEntry(NamedTuple):
    """One hand box: xyxy px, side ('left' / 'right' / None), score."""
    bbox: List[float]
    hand_side: Optional[str]
    score: Optional[float]


def _suffix(path: str) -> str:
    return osp.splitext(path)[1].lower()


def is_video(path: str) -> bool:
    return isinstance(path, str) and _suffix(path) in VIDEO_SUFFIXES


def list_frames(inputs) -> List[str]:
    """The frame sources of ``inputs`` without reading pixels: image paths,
    or one video path, or 'array' placeholders; an InputError names a
    missing input or an empty folder."""
    if isinstance(inputs, np.ndarray):
        return ['array']
    if isinstance(inputs, (list, tuple)):
        return ['array' if isinstance(x, np.ndarray) else str(x)
                for x in inputs]
    path = str(inputs)
    if osp.isdir(path):
        files = sorted(osp.join(path, f) for f in os.listdir(path)
                       if _suffix(f) in IMAGE_SUFFIXES)
        if not files:
            raise InputError(f'{path}: the folder holds no image '
                             f'({", ".join(IMAGE_SUFFIXES)})')
        return files
    if not osp.exists(path):
        raise InputError(f'{path}: no such image, video or folder')
    if is_video(path):
        check_video(path)
    return [path]


def check_video(path: str) -> None:
    """An InputError unless OpenCV decodes a first frame of ``path``."""
    import cv2
    capture = cv2.VideoCapture(path)
    ok = capture.isOpened() and capture.read()[0]
    capture.release()
    if not ok:
        raise InputError(f'{path}: cannot read this video (missing file, '
                         'unknown codec or no frame)')


def iter_frames(inputs) -> Iterator[Frame]:
    """Frames of an image path, a folder, a video file, an array or a list
    of paths / arrays (module docstring)."""
    from egohands.apis.inference import read_image
    arrays = [inputs] if isinstance(inputs, np.ndarray) else (
        list(inputs) if isinstance(inputs, (list, tuple)) else None)
    if arrays is not None:
        for index, item in enumerate(arrays):
            if isinstance(item, np.ndarray):
                yield Frame(f'array_{index:06d}', read_image(item), '', index)
            else:
                yield from _path_frames(str(item), index)
        return
    for index, path in enumerate(list_frames(inputs)):
        yield from _path_frames(path, index)


def _path_frames(path: str, index: int) -> Iterator[Frame]:
    from egohands.apis.inference import read_image
    if is_video(path):
        yield from video_frames(path)
    else:
        yield Frame(osp.basename(path), read_image(path), path, index)


def video_frames(path: str) -> Iterator[Frame]:
    """Frames of a video file (OpenCV); an InputError if none decodes."""
    import cv2
    capture = cv2.VideoCapture(path)
    stem = osp.splitext(osp.basename(path))[0]
    count = 0
    try:
        while capture.isOpened():
            ok, image = capture.read()
            if not ok:
                break
            yield Frame(f'{stem}_{count:06d}', image, '', count)
            count += 1
    finally:
        capture.release()
    if count == 0:
        check_video(path)


def video_fps(path: str, default: float = 30.0) -> float:
    """Frame rate of a video file (``default`` when it does not say)."""
    import cv2
    capture = cv2.VideoCapture(path)
    fps = capture.get(cv2.CAP_PROP_FPS)
    capture.release()
    return float(fps) if fps and fps > 0 else default


def _entry(item, where: str) -> BoxEntry:
    if isinstance(item, dict):
        if 'bbox' not in item:
            raise InputError(f'{where}: a box entry needs "bbox" '
                             '[x0, y0, x1, y1], got {item!r}')
        box, side, score = item['bbox'], item.get('hand_side'), \
            item.get('score')
    else:
        box, side, score = item, None, None
    if not isinstance(box, (list, tuple)) or len(box) != 4 or \
            not all(isinstance(v, (int, float)) for v in box):
        raise InputError(f'{where}: a box is [x0, y0, x1, y1] in px, got '
                         f'{box!r}')
    if side not in (None, 'left', 'right'):
        raise InputError(f'{where}: hand_side must be "left" or "right", '
                         f'got {side!r}')
    return BoxEntry([float(v) for v in box], side,
                    None if score is None else float(score))


def _coco_boxes(content: Dict, path: str) -> Dict[str, List[BoxEntry]]:
    names = {}
    for image in content.get('images', []):
        if 'id' not in image or 'file_name' not in image:
            raise InputError(f'{path}: every image record needs "id" and '
                             f'"file_name", got {image!r}')
        names[image['id']] = image['file_name']
    boxes: Dict[str, List[BoxEntry]] = {n: [] for n in names.values()}
    for ann in content.get('annotations', []):
        where = f'{path}: annotation {ann.get("id", "?")}'
        if ann.get('image_id') not in names:
            raise InputError(f'{where}: image_id {ann.get("image_id")!r} is '
                             'not in "images"')
        x, y, w, h = _entry(ann.get('bbox'), where).bbox
        boxes[names[ann['image_id']]].append(_entry(
            dict(bbox=[x, y, x + w, y + h], hand_side=ann.get('hand_side'),
                 score=ann.get('score')), where))
    return boxes


def load_box_file(path: str) -> Dict[str, List[BoxEntry]]:
    """Image name -> boxes, from

    * a COCO file (``images`` with ``id`` / ``file_name``, ``annotations``
      with ``image_id``, ``bbox`` [x, y, w, h], optional ``hand_side``,
      ``score``), e.g. an egohands annotation file, or
    * a JSON object ``{image name: [[x0, y0, x1, y1], ...]}`` whose boxes
      may also be objects ``{"bbox": [...], "hand_side": ..., "score":
      ...}``; video frames are named ``<video stem>_<index:06d>``.
    """
    try:
        with open(path) as f:
            content = json.load(f)
    except (OSError, ValueError) as err:
        raise InputError(f'{path}: cannot read the box file as JSON ({err})'
                         ) from err
    if isinstance(content, dict) and 'annotations' in content:
        return _coco_boxes(content, path)
    if not isinstance(content, dict):
        raise InputError(f'{path}: a box file is a COCO file or a JSON '
                         'object {image name: [boxes]}')
    boxes = {}
    for name, items in content.items():
        if not isinstance(items, list):
            raise InputError(f'{path}: entry {name!r} must be a list of '
                             'boxes')
        boxes[name] = [_entry(item, f'{path}: entry {name!r}')
                       for item in items]
    return boxes


def match_boxes(boxes: Dict[str, List[BoxEntry]], names: Sequence[str],
                path: str) -> Dict[str, List[BoxEntry]]:
    """Frame name -> boxes; entries are matched by file name, by path
    ending or by name without suffix. An InputError names the first entry
    that matches no input frame."""
    by_key = {}
    for name in names:
        by_key.setdefault(name, name)
        by_key.setdefault(osp.splitext(name)[0], name)
    matched: Dict[str, List[BoxEntry]] = {}
    for key, entries in boxes.items():
        name = by_key.get(key) or by_key.get(osp.basename(key)) or \
            by_key.get(osp.splitext(osp.basename(key))[0])
        if name is None:
            shown = ', '.join(list(names)[:3])
            raise InputError(f'{path}: entry {key!r} matches no input image '
                             f'(inputs: {shown}{", ..." if len(names) > 3 else ""})')
        matched.setdefault(name, []).extend(entries)
    return matched
