"""The hand_tracking_toolkit's webdataset tars (UmeTrack, HOT3D-Clips).

One tar is one sequence (``subject_000_separate_hand_000000.tar``,
``clip-001849.tar``); its members are grouped by the 6-digit frame key::

    <frame>.image_<stream>.jpg   <frame>.cameras.json   <frame>.hands.json
    <frame>.hand_crops.json      <frame>.info.json ...  __hand_shapes.json__

The pose-test split has no ``hands.json``, the shape-test split also no
``__hand_shapes.json__``. Facts: ``shared/reference/datasets.md`` section 7
(read from the toolkit's ``dataset.py``). :class:`SequenceTar` indexes a tar
once (member -> byte range) so members, images included, are read by one
seek each; readers do not keep a tar open.
"""
from __future__ import annotations

import json
import os
import tarfile
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

import numpy as np

from egohands.utils.errors import AnnotationError, DatasetNotFoundError

DOC = 'docs/multiview.md'
HAND_SHAPES_MEMBER = '__hand_shapes.json__'
IMAGE_PREFIX = 'image_'
#: dataset -> where its tars come from (for "not found" errors)
DOWNLOAD_HINTS = {
    'umetrack': ('download the UmeTrack challenge tars (train/, pose_test/, '
                 'shape_test/) from Hugging Face facebook/'
                 'hand_tracking_challenge_umetrack'),
    'hot3d': ('download the HOT3D-Clips tars (train_aria/, train_quest3/, '
              'test_aria/, test_quest3/) from Hugging Face bop-benchmark/'
              'hot3d (hot3d/clips)'),
}
#: separator of a tar path and a member name in ``img_path``
MEMBER_SEPARATOR = '::'


def sequence_name(tar_path: str) -> str:
    """The toolkit's sequence name: the tar's base name up to its first
    dot (``clip-001849.tar`` -> ``clip-001849``)."""
    return os.path.basename(tar_path).split('.')[0]


@dataclass
class FrameMembers:
    """Member names of one frame: ``json`` kind ('cameras', 'hands', ...)
    -> member, ``images`` stream id -> member."""

    json: Dict[str, str] = field(default_factory=dict)
    images: Dict[str, str] = field(default_factory=dict)


class SequenceTar:
    """Index of one sequence tar: frames in key order, byte ranges.

    Args:
        path: the ``.tar`` file.

    Raises:
        DatasetNotFoundError: the file is missing.
        AnnotationError: not a tar, or a member name without a frame key.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self.name = sequence_name(path)
        if not os.path.isfile(path):
            raise DatasetNotFoundError(f'sequence tar not found: {path}')
        try:
            with tarfile.open(path, 'r:') as tar:
                members = [m for m in tar.getmembers() if m.isfile()]
        except tarfile.TarError as err:
            raise AnnotationError(f'{path}: not a readable (uncompressed) '
                                  f'webdataset tar: {err}') from None
        self.ranges: Dict[str, Tuple[int, int]] = {
            m.name: (m.offset_data, m.size) for m in members}
        self.frames: Dict[int, FrameMembers] = {}
        for member in members:
            if member.name == HAND_SHAPES_MEMBER:
                continue
            key, _, kind = os.path.basename(member.name).partition('.')
            if not key.isdigit() or not kind:
                raise AnnotationError(
                    f'{path}: member {member.name!r} is not '
                    '<frame>.<kind> with a numeric frame key (toolkit '
                    f'layout, {DOC})')
            frame = self.frames.setdefault(int(key), FrameMembers())
            if kind.startswith(IMAGE_PREFIX) and kind.endswith('.jpg'):
                frame.images[kind[len(IMAGE_PREFIX):-len('.jpg')]] = \
                    member.name
            elif kind.endswith('.json'):
                frame.json[kind[:-len('.json')]] = member.name
        self.frames = dict(sorted(self.frames.items()))

    # -- reading --------------------------------------------------------
    def read_bytes(self, member: str) -> bytes:
        offset, size = self.ranges[member]
        with open(self.path, 'rb') as f:
            f.seek(offset)
            return f.read(size)

    def read_json(self, member: str) -> Any:
        try:
            return json.loads(self.read_bytes(member))
        except (ValueError, UnicodeDecodeError) as err:
            raise AnnotationError(f'{self.path}: member {member} is not '
                                  f'valid JSON ({err})') from None

    def frame_json(self, frame: int, kind: str) -> Optional[Any]:
        """The ``<frame>.<kind>.json`` content, or None if absent."""
        member = self.frames[frame].json.get(kind)
        return None if member is None else self.read_json(member)

    def hand_shapes(self) -> Optional[Dict]:
        """``__hand_shapes.json__`` (None in the shape-test split)."""
        if HAND_SHAPES_MEMBER not in self.ranges:
            return None
        return self.read_json(HAND_SHAPES_MEMBER)

    def image_path(self, frame: int, stream: str) -> str:
        """``img_path`` of one image: ``<tar>::<member>``."""
        return f'{self.path}{MEMBER_SEPARATOR}' \
               f'{self.frames[frame].images[stream]}'


def split_image_path(img_path: str) -> Tuple[str, str]:
    """``'<tar>::<member>'`` -> (tar path, member)."""
    tar_path, sep, member = img_path.rpartition(MEMBER_SEPARATOR)
    if not sep:
        raise AnnotationError(f'{img_path!r} is not <tar>{MEMBER_SEPARATOR}'
                              '<member> (a hand_tracking tar image)')
    return tar_path, member


def list_sequence_tars(folder: str, sequences: Optional[List[str]],
                       dataset: str) -> List[str]:
    """Paths of the tars of ``folder`` (all, or the named sequences).

    Raises:
        DatasetNotFoundError: the folder, or a named sequence, is missing;
            the message says where to get the data.
    """
    hint = DOWNLOAD_HINTS.get(dataset, f'see {DOC}')
    if not os.path.isdir(folder):
        raise DatasetNotFoundError(
            f'{dataset} tar folder not found: {folder}; {hint} ({DOC})')
    if sequences is None:
        names = sorted(n for n in os.listdir(folder) if n.endswith('.tar'))
        if not names:
            raise DatasetNotFoundError(
                f'no .tar file in {folder}; {hint} ({DOC})')
        return [os.path.join(folder, n) for n in names]
    paths = [os.path.join(folder, f'{name}.tar') for name in sequences]
    for path in paths:
        if not os.path.isfile(path):
            raise DatasetNotFoundError(
                f'{dataset} sequence tar not found: {path}; {hint} ({DOC})')
    return paths


def write_sequence_tar(path: str, members: Dict[str, Any]) -> None:
    """Write a tar in the toolkit's layout (tests, converters).

    ``members``: member name -> bytes, a numpy image (written as JPEG) or
    a JSON-able object; written in the given order.
    """
    import io

    import cv2
    with tarfile.open(path, 'w') as tar:
        for name, value in members.items():
            if isinstance(value, np.ndarray):
                ok, encoded = cv2.imencode('.jpg', value)
                if not ok:
                    raise ValueError(f'cannot encode {name} as JPEG')
                data = encoded.tobytes()
            elif isinstance(value, bytes):
                data = value
            else:
                data = json.dumps(value).encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
