"""The prediction dump: every predicted hand of a test run, with its ground
truth, for offline use (``tools/test.py --dump``, ``tools/ensemble.py``,
``tools/report.py``).

A dump is ``{'meta': {...}, 'predictions': [one record per hand]}``.
``meta`` holds ``format`` ('egohands-predictions'), ``version``
(:data:`DUMP_VERSION`), ``units`` ('mm'), ``frame``, ``keypoints_2d``,
``joint_names`` (21) and whatever the writer adds (config, checkpoint).
Each record has ``img_id`` int, ``ann_id`` int, ``img_path`` str,
``hand_side`` ('left' | 'right', in the original image),
``pred_joints_3d`` (21, 3) mm, ``pred_joints_absolute`` bool (False: the
wrist is at the origin), ``pred_keypoints_2d`` (21, 2) px or None,
``pred_joints_3d_std`` (21, 3) mm or None, and the ground truth (None when
the test set has none): ``gt_joints_3d`` (21, 3) mm, ``gt_joints_valid``
(21,), ``gt_keypoints_2d`` (21, 2) px and ``gt_keypoints_2d_valid`` (21,);
and, when the dataset has them (video / multi-view, for ``tools/smooth.py``),
``sequence`` str, ``frame`` int, ``view`` str, ``K`` (3, 3) and
``T_world_from_cam`` (4, 4) mm, else None. A multi-view prediction
(``MultiViewHandEstimator``) is one record per hand in its reference camera
(``T_world_from_cam`` is that camera's pose) and adds, per view slot of
its N, ``pred_view_keypoints_2d`` (N, 21, 2) px of the view's crop camera,
``view_K`` (N, 3, 3) and ``T_world_from_view`` (N, 4, 4) mm of that crop
camera, and ``view_mask`` (N,) (0: the view did not see the hand).
Everything is in the original (unflipped) camera frame and full-image px.

Files (chosen by the suffix), both readable without running any code:

* ``.npz``: one array per field over the N hands (``img_path`` and
  ``hand_side`` as unicode arrays; an optional array field stacked with
  zeros where absent plus a ``<field>__present`` (N,) bool mask) and the
  ``meta`` as a JSON string in ``meta_json``. Read with
  ``numpy.load(allow_pickle=False)``.
* ``.json``: the same content, arrays as nested lists.

Version-1 dumps written as pickles (``.pkl`` / ``.pickle``) are read only
after the explicit opt-in of ``egohands.utils.checkpoint.pickle_trusted``
(``--trust-pickle``); new pickles are never written.
"""
import json
import os
import os.path as osp
import pickle
from typing import Any, Dict, List, Optional

import numpy as np

from egohands.datasets.metainfo import JOINT_NAMES
from egohands.utils.errors import ConfigError

DUMP_FORMAT = 'egohands-predictions'
#: 2: .npz / .json (1: .json / pickle)
DUMP_VERSION = 2
DUMP_SUFFIXES = ('.npz', '.json')
LEGACY_SUFFIXES = ('.pkl', '.pickle')
#: record fields: numeric arrays (some optional), then plain values
ARRAY_FIELDS = ('pred_joints_3d', 'pred_keypoints_2d', 'pred_joints_3d_std',
                'gt_joints_3d', 'gt_joints_valid', 'gt_keypoints_2d',
                'gt_keypoints_2d_valid', 'K', 'T_world_from_cam',
                'pred_view_keypoints_2d', 'view_K', 'T_world_from_view',
                'view_mask')
#: optional ids of video / multi-view samples (None when absent)
ID_FIELDS = ('sequence', 'frame', 'view')
SCALAR_FIELDS = ('img_id', 'ann_id', 'img_path', 'hand_side',
                 'pred_joints_absolute')
_PRESENT = '__present'


def check_dump_path(path: str) -> None:
    """Raise a ``ConfigError`` unless ``path`` ends in a written suffix."""
    suffix = osp.splitext(path)[1].lower()
    if suffix in LEGACY_SUFFIXES:
        raise ConfigError(
            f'--dump {path}: prediction dumps are no longer pickles (a '
            'pickle can run code when read); use a .npz (or .json) file name')
    if suffix not in DUMP_SUFFIXES:
        raise ConfigError(f'--dump {path}: the file name must end in one of '
                          f'{", ".join(DUMP_SUFFIXES)}')


def dump_meta(meta: Dict[str, Any]) -> Dict[str, Any]:
    """The ``meta`` block: format, version, units and frames, then
    ``meta``'s own entries."""
    return dict(format=DUMP_FORMAT, version=DUMP_VERSION, units='mm',
                frame='original camera frame (unflipped)',
                keypoints_2d='full-image px', joint_names=list(JOINT_NAMES),
                **meta)


def _jsonable(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(item) for item in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def _npz_arrays(records: List[Dict]) -> Dict[str, np.ndarray]:
    arrays = {
        'img_id': np.array([int(r['img_id']) for r in records], np.int64),
        'ann_id': np.array([int(r['ann_id']) for r in records], np.int64),
        'img_path': np.array([str(r['img_path']) for r in records],
                             dtype=np.str_),
        'hand_side': np.array([str(r['hand_side']) for r in records],
                              dtype=np.str_),
        'pred_joints_absolute': np.array(
            [bool(r['pred_joints_absolute']) for r in records], bool),
    }
    for name in ID_FIELDS:
        values = [r.get(name) for r in records]
        present = np.array([v is not None for v in values], bool)
        if present.any():
            arrays[name] = np.array(['' if v is None else str(v)
                                     for v in values], dtype=np.str_)
            arrays[name + _PRESENT] = present
    for name in ARRAY_FIELDS:
        values = [r.get(name) for r in records]
        present = np.array([v is not None for v in values], bool)
        if not present.any():
            continue
        shape = np.shape(next(v for v in values if v is not None))
        arrays[name] = np.stack([
            np.asarray(v, np.float32) if v is not None else
            np.zeros(shape, np.float32) for v in values])
        arrays[name + _PRESENT] = present
    return arrays


def write_prediction_dump(path: str, records: List[Dict],
                          meta: Dict[str, Any]) -> None:
    """Write records (module docstring) as ``.npz`` or ``.json``."""
    check_dump_path(path)
    content_meta = dump_meta(meta)
    if osp.dirname(path):
        os.makedirs(osp.dirname(path), exist_ok=True)
    if path.lower().endswith('.json'):
        with open(path, 'w') as f:
            json.dump(_jsonable(dict(meta=content_meta,
                                     predictions=records)), f)
        return
    with open(path, 'wb') as f:  # np.savez would append .npz to a str path
        np.savez_compressed(f, meta_json=np.array(json.dumps(
            _jsonable(content_meta))), **_npz_arrays(records))


def _records_from_npz(arrays: Dict[str, np.ndarray]) -> List[Dict]:
    count = len(arrays['img_id'])
    records = []
    for index in range(count):
        record = dict(
            img_id=int(arrays['img_id'][index]),
            ann_id=int(arrays['ann_id'][index]),
            img_path=str(arrays['img_path'][index]),
            hand_side=str(arrays['hand_side'][index]),
            pred_joints_absolute=bool(
                arrays['pred_joints_absolute'][index]))
        for name in ID_FIELDS:
            present = arrays.get(name + _PRESENT)
            value = (str(arrays[name][index]) if present is not None and
                     present[index] else None)
            record[name] = int(value) if name == 'frame' and value else value
        for name in ARRAY_FIELDS:
            present = arrays.get(name + _PRESENT)
            record[name] = (arrays[name][index].astype(np.float32)
                            if present is not None and present[index]
                            else None)
        records.append(record)
    return records


def _check_content(path: str, content: Any) -> Dict[str, Any]:
    if not isinstance(content, dict) or not isinstance(
            content.get('predictions'), list) or not isinstance(
                content.get('meta'), dict):
        raise ConfigError(f'{path} is not an egohands prediction dump (no '
                          "'meta' and 'predictions')")
    if content['meta'].get('format') != DUMP_FORMAT:
        raise ConfigError(f'{path}: meta.format is '
                          f'{content["meta"].get("format")!r}, not '
                          f'{DUMP_FORMAT!r}')
    return content


def load_prediction_dump(path: str, trust_pickle: Optional[bool] = None
                         ) -> Dict[str, Any]:
    """Read a dump; arrays come back as float32 numpy arrays.

    Raises:
        ConfigError: unknown suffix, unreadable or foreign content, or a
            legacy pickle without the opt-in (``trust_pickle`` / the
            ``--trust-pickle`` flag / ``EGOHANDS_TRUST_PICKLE=1``).
    """
    from egohands.utils.checkpoint import TRUST_PICKLE_HINT, pickle_trusted
    suffix = osp.splitext(path)[1].lower()
    if suffix in LEGACY_SUFFIXES:
        if not pickle_trusted(trust_pickle):
            raise ConfigError(
                f'{path} is a pickled prediction dump, and unpickling a file '
                f'can run code; egohands does not read it unless you trust '
                f'it: {TRUST_PICKLE_HINT}. Dumps are now .npz or .json')
        with open(path, 'rb') as f:
            return _check_content(path, pickle.load(f))
    if suffix not in DUMP_SUFFIXES:
        raise ConfigError(f'{path}: a prediction dump ends in one of '
                          f'{", ".join(DUMP_SUFFIXES + LEGACY_SUFFIXES)}')
    try:
        if suffix == '.json':
            with open(path) as f:
                content = json.load(f)
            for record in content['predictions']:
                for key, value in record.items():
                    if isinstance(value, list):
                        record[key] = np.asarray(value, dtype=np.float32)
            return _check_content(path, content)
        with np.load(path, allow_pickle=False) as npz:
            arrays = {key: npz[key] for key in npz.files}
        meta = json.loads(str(arrays.pop('meta_json')))
        records = _records_from_npz(arrays)
        return _check_content(path, dict(meta=meta, predictions=records))
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as err:
        raise ConfigError(f'{path} cannot be read as an egohands prediction '
                          f'dump ({type(err).__name__}: {err})') from None
