"""The challenge's entries: which (sequence, frame, hand) are scored.

The toolkit's ground-truth writer (``scripts/write_annotations_files.py``)
walks each test tar's frames in order, keeps every n-th one by position
(n = 1 for UmeTrack, 10 for HOT3D) and, per kept frame, emits one entry per
hand that has a crop camera in ``hand_crops.json`` (left, then right). A
submission must hold exactly these entries, because the evaluation matches
them by position within a sequence.
"""
from __future__ import annotations

from typing import List, Optional, Sequence, Tuple

from .parsing import HAND_SIDES, parse_hand_crops
from .tars import SequenceTar, list_sequence_tars

#: every n-th frame the challenge scores, per dataset
EVERY_N_FRAMES = {'umetrack': 1, 'hot3d': 10}
#: (sequence, frame, hand side)
Entry = Tuple[str, int, str]


def sequence_entries(tar: SequenceTar, every_n_frames: int) -> List[Entry]:
    """The scored (sequence, frame, side) of one tar, in the GT order."""
    entries = []
    for position, frame in enumerate(tar.frames):
        if position % every_n_frames:
            continue
        content = tar.frame_json(frame, 'hand_crops')
        if content is None:
            continue  # no crop file: no hand the toolkit would crop
        crops = parse_hand_crops(content,
                                 f'{tar.path}:{frame:06d}.hand_crops.json')
        entries.extend((tar.name, frame, side) for side in HAND_SIDES
                       if side in crops)
    return entries


def challenge_entries(folder: str, dataset: str,
                      every_n_frames: Optional[int] = None,
                      sequences: Optional[Sequence[str]] = None
                      ) -> List[Entry]:
    """The scored entries of every tar of ``folder``, in the GT order."""
    step = EVERY_N_FRAMES[dataset] if every_n_frames is None else int(
        every_n_frames)
    entries: List[Entry] = []
    for path in list_sequence_tars(folder, sequences, dataset):
        entries.extend(sequence_entries(SequenceTar(path), step))
    return entries
