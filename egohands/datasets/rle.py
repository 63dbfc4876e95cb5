"""COCO run-length encoding of binary masks, without pycocotools.

A COCO RLE is ``{'size': [h, w], 'counts': ...}``: the mask is read in
column-major order and ``counts`` holds the lengths of alternating runs of
0s and 1s, starting with 0s. ``counts`` is either a list of ints
("uncompressed") or a string ("compressed": each count, after the first two,
stored as the difference to the count two places before, in 5-bit groups of
printable characters). Both are read; the compressed form is written, as
pycocotools does, so files stay small and interchangeable.
"""
from __future__ import annotations

from typing import Dict, List, Union

import numpy as np


def _run_lengths(mask: np.ndarray) -> List[int]:
    flat = np.asarray(mask, dtype=bool).ravel(order='F')
    if flat.size == 0:
        return [0]
    change = np.flatnonzero(flat[1:] != flat[:-1]) + 1
    bounds = np.concatenate([[0], change, [flat.size]])
    runs = np.diff(bounds).tolist()
    if flat[0]:  # counts always start with a run of zeros
        runs = [0] + runs
    return runs


def _counts_to_string(counts: List[int]) -> str:
    chars = []
    for i, count in enumerate(counts):
        value = count - counts[i - 2] if i > 2 else count
        more = True
        while more:
            group = value & 0x1f
            value >>= 5
            more = value != -1 if group & 0x10 else value != 0
            if more:
                group |= 0x20
            chars.append(chr(group + 48))
    return ''.join(chars)


def _counts_from_string(text: str) -> List[int]:
    counts: List[int] = []
    pos = 0
    while pos < len(text):
        value, shift, more = 0, 0, True
        while more:
            group = ord(text[pos]) - 48
            value |= (group & 0x1f) << shift
            more = bool(group & 0x20)
            pos += 1
            shift += 5
            if not more and group & 0x10:
                value |= -1 << shift
        if len(counts) > 2:
            value += counts[-2]
        counts.append(value)
    return counts


def encode_rle(mask: np.ndarray) -> Dict[str, Union[List[int], str]]:
    """Compressed COCO RLE of a binary (h, w) mask."""
    mask = np.asarray(mask)
    if mask.ndim != 2:
        raise ValueError(f'mask must be 2-D (h, w), got shape {mask.shape}')
    return {'size': [int(mask.shape[0]), int(mask.shape[1])],
            'counts': _counts_to_string(_run_lengths(mask))}


def decode_rle(rle: Dict) -> np.ndarray:
    """(h, w) uint8 mask of a COCO RLE (compressed or list ``counts``).

    Raises:
        ValueError: if the counts do not add up to ``h * w``.
    """
    height, width = (int(v) for v in rle['size'])
    counts = rle['counts']
    if isinstance(counts, bytes):
        counts = counts.decode('ascii')
    if isinstance(counts, str):
        counts = _counts_from_string(counts)
    counts = np.asarray(counts, dtype=np.int64)
    if (counts < 0).any() or counts.sum() != height * width:
        raise ValueError(f'RLE counts sum to {int(counts.sum())}, expected '
                         f'{height}*{width}={height * width}')
    values = np.arange(len(counts)) % 2
    flat = np.repeat(values.astype(np.uint8), counts)
    return flat.reshape((height, width), order='F')


def rle_is_valid(rle) -> bool:
    """Cheap structural check of an RLE record (no decoding)."""
    return (isinstance(rle, dict) and isinstance(rle.get('size'), list)
            and len(rle['size']) == 2
            and isinstance(rle.get('counts'), (str, list)))
