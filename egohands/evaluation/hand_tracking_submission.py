"""Submissions to the ECCV'24 multiview hand tracking challenge (EvalAI 2333).

Files, as the toolkit's ``submissions.py`` writes and ``evaluation.py``
reads them (``shared/reference/datasets.md`` section 7.5)::

    result_pose_{umetrack,hot3d}.json:
        [{"sequence_name": str, "frame_id": int, "mano_theta": [15],
          "wrist_xform": [6], "hand_side": 0 | 1}, ...]
    result_shape_{umetrack,hot3d}.json:
        [{"sequence_name": str, "mano_beta": [10], "hand_side": 0}, ...]

``mano_theta`` are 15 MANO PCA coefficients (``flat_hand_mean=False``),
``wrist_xform`` = global orient (axis-angle, rad) || translation (metres),
world frame; hand side 0 = left. The pose entries are exactly the ground
truth's, in its order (``egohands.datasets.hand_tracking.entries``); one
shape entry per sequence. The challenge takes ``pose_submission.tar.gz`` /
``shape_submission.tar.gz`` holding the JSON files of both datasets at the
archive's root; :func:`write_archive` adds a dataset's files to an existing
archive, so one archive collects the UmeTrack and the HOT3D runs.
"""
from __future__ import annotations

import io
import json
import os
import tarfile
from typing import Dict, List, Mapping, Sequence, Tuple

import numpy as np

from egohands.evaluation.egoexo4d_evaluation import MissingPredictionError
from egohands.utils.errors import ConfigError

DOC = 'docs/multiview.md'
SIDE_INDEX = {'left': 0, 'right': 1}
TRACKS = ('pose', 'shape')
ARCHIVE_SUFFIX = '.tar.gz'


def result_file_name(track: str, dataset: str) -> str:
    return f'result_{track}_{dataset}.json'


def pose_entries(required: Sequence[Tuple[str, int, str]],
                 predictions: Mapping[Tuple[str, int, str],
                                      Tuple[np.ndarray, np.ndarray]],
                 source: str = 'predictions') -> List[Dict]:
    """One pose entry per required (sequence, frame, side), in its order.

    Args:
        required: the ground truth's entries.
        predictions: key -> (mano_theta (15,), wrist_xform (6,) world).

    Raises:
        MissingPredictionError: naming the first unpredicted entry.
    """
    entries = []
    for key in required:
        if key not in predictions:
            sequence, frame, side = key
            raise MissingPredictionError(
                f'{source}: sequence {sequence}, frame {frame}, {side} hand '
                'has no prediction; the challenge scores every hand with a '
                f'crop camera ({DOC})')
        theta, wrist = (np.asarray(v, np.float64) for v in predictions[key])
        if theta.shape != (15, ) or wrist.shape != (6, ) or not (
                np.isfinite(theta).all() and np.isfinite(wrist).all()):
            raise ConfigError(f'{source}: {key}: mano_theta must be 15 and '
                              'wrist_xform 6 finite numbers')
        entries.append(dict(sequence_name=key[0], frame_id=int(key[1]),
                            mano_theta=theta.tolist(),
                            wrist_xform=wrist.tolist(),
                            hand_side=SIDE_INDEX[key[2]]))
    return entries


def shape_entries(sequences: Sequence[str],
                  betas: Mapping[str, np.ndarray],
                  source: str = 'predictions') -> List[Dict]:
    """One left-hand shape entry per sequence (the toolkit's GT has one)."""
    entries = []
    for sequence in sequences:
        if sequence not in betas:
            raise MissingPredictionError(
                f'{source}: sequence {sequence} has no shape prediction '
                f'({DOC})')
        beta = np.asarray(betas[sequence], np.float64)
        if beta.shape != (10, ) or not np.isfinite(beta).all():
            raise ConfigError(f'{source}: sequence {sequence}: mano_beta '
                              'must be 10 finite numbers')
        entries.append(dict(sequence_name=sequence,
                            mano_beta=beta.tolist(), hand_side=0))
    return entries


def write_archive(out_file: str, files: Mapping[str, List[Dict]]) -> None:
    """Write ``files`` (name -> entries) as JSON into ``out_file``.

    ``.tar.gz``: the members are replaced or added; other members of an
    existing archive (the other dataset's results) are kept. ``.json``:
    exactly one file's entries.
    """
    if out_file.endswith('.json'):
        if len(files) != 1:
            raise ConfigError(f'{out_file}: a .json holds one result file, '
                              f'not {sorted(files)}; use a {ARCHIVE_SUFFIX}')
        with open(out_file, 'w') as f:
            json.dump(next(iter(files.values())), f)
        return
    if not out_file.endswith(ARCHIVE_SUFFIX):
        raise ConfigError(f'{out_file}: a challenge submission is a '
                          f'{ARCHIVE_SUFFIX} archive (or one .json file)')
    kept: Dict[str, bytes] = {}
    if os.path.isfile(out_file):
        try:
            with tarfile.open(out_file, 'r:gz') as tar:
                for member in tar.getmembers():
                    if member.isfile() and member.name not in files:
                        kept[member.name] = tar.extractfile(member).read()
        except tarfile.TarError as err:
            raise ConfigError(f'{out_file} exists and is not a .tar.gz '
                              f'archive ({err}); remove it') from None
    kept.update({name: json.dumps(entries).encode()
                 for name, entries in files.items()})
    directory = os.path.dirname(out_file)
    if directory:
        os.makedirs(directory, exist_ok=True)
    partial = out_file + '.partial'
    with tarfile.open(partial, 'w:gz') as tar:
        for name in sorted(kept):
            info = tarfile.TarInfo(name)
            info.size = len(kept[name])
            tar.addfile(info, io.BytesIO(kept[name]))
    os.replace(partial, out_file)


def read_archive(path: str) -> Dict[str, List[Dict]]:
    """The JSON members of a submission archive, by name."""
    with tarfile.open(path, 'r:gz') as tar:
        return {m.name: json.load(tar.extractfile(m))
                for m in tar.getmembers() if m.isfile()}
