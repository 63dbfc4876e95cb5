"""``HandTrackingSubmissionWriter``: the challenge archive of a test run.

``tools/test.py CONFIG CKPT --dump pose_submission.tar.gz`` adds it (as the
config's ``dump_writer``). The entries to write are read from the test
split's tars (``egohands.datasets.hand_tracking.entries``), so the archive
holds exactly the ground truth's (sequence, frame, hand) entries in order;
a missing prediction stops the run naming the entry. Format and packing:
``egohands.evaluation.hand_tracking_submission``.
"""
from __future__ import annotations

import os
from typing import Any, Dict, List, Optional, Sequence

import numpy as np

from egohands.datasets.hand_tracking.entries import challenge_entries
from egohands.evaluation.hand_tracking_submission import (
    TRACKS, pose_entries, result_file_name, shape_entries, write_archive)
from egohands.registry import METRICS
from egohands.utils.errors import ConfigError
from .hand_tracking_metric import (M_TO_MM, _NeedsHandModel, first_per_key,
                                   hand_key, mano_prediction, world_pose_mm)
from mmengine.evaluator import BaseMetric

DATASETS = ('umetrack', 'hot3d')


@METRICS.register_module()
class HandTrackingSubmissionWriter(BaseMetric):
    """Write ``result_{pose,shape}_<dataset>.json`` into ``out_file``.

    Each sample's ``pred_mano`` holds ``mano_theta`` (15,) PCA
    coefficients (``flat_hand_mean=False``), ``betas`` (10,), and the wrist
    either as ``wrist_xform_world`` (6,) (axis-angle || metres, world) or as
    ``global_orient`` (3,) + ``transl`` (3,) metres in the sample's camera
    frame; the latter is moved to the world with ``T_world_from_cam`` and
    needs ``hand_model`` (MANO turns about its shape's wrist joint, taken
    from the predicted betas).

    Args:
        data_root: folder of the split folders.
        split: the test split (``pose_test``, ``test_aria``, ...).
        dataset: ``'umetrack'`` or ``'hot3d'`` (file names, frame step).
        tracks: ``('pose', 'shape')`` or one of them.
        every_n_frames: scored frame step (default: 1 UmeTrack, 10 HOT3D).
        hand_model: MANO folder, for camera-frame wrists.
        out_file: ``.tar.gz`` archive (other members are kept) or a
            ``.json`` for a single track; ``--dump`` sets it.

    Reports ``submission_entries`` (pose entries written, else shapes).
    """

    default_prefix = ''

    def __init__(self, data_root: str, split: str, dataset: str,
                 tracks: Sequence[str] = TRACKS,
                 every_n_frames: Optional[int] = None,
                 hand_model: Optional[str] = None,
                 out_file: Optional[str] = None, collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        if dataset not in DATASETS:
            raise ConfigError(f'HandTrackingSubmissionWriter: dataset must '
                              f'be one of {DATASETS}, got {dataset!r}')
        tracks = (tracks, ) if isinstance(tracks, str) else tuple(tracks)
        if not tracks or set(tracks) - set(TRACKS):
            raise ConfigError(f'HandTrackingSubmissionWriter: tracks must '
                              f'be a subset of {TRACKS}, got {tracks}')
        self.folder = os.path.join(data_root, split)
        self.dataset = dataset
        self.tracks = tracks
        self.every_n_frames = every_n_frames
        self.hand_model = _NeedsHandModel(hand_model)
        self.out_file = out_file

    def process(self, data_batch: Any, data_samples: Sequence[Dict]) -> None:
        name = type(self).__name__
        for sample in data_samples:
            mano = mano_prediction(sample, name)
            T_m = world_pose_mm(sample)
            T_m[:3, 3] /= M_TO_MM
            self.results.append(dict(key=hand_key(sample, name), mano=mano,
                                     T_world_from_cam_m=T_m))

    def compute_metrics(self, results: List[Dict]) -> Dict[str, float]:
        name = type(self).__name__
        if not self.out_file:
            raise ConfigError(f'{name}: out_file is not set; give '
                              '`tools/test.py CONFIG CKPT --dump '
                              'pose_submission.tar.gz`')
        required = challenge_entries(self.folder, self.dataset,
                                     self.every_n_frames)
        kept = first_per_key(results)
        files = {}
        if 'pose' in self.tracks:
            predictions = self._world_poses(kept)
            files[result_file_name('pose', self.dataset)] = pose_entries(
                required, predictions, f'{name} ({self.folder})')
        if 'shape' in self.tracks:
            sequences = list(dict.fromkeys(key[0] for key in required))
            betas = {}
            for record in results:
                value = record['mano'].get('betas')
                if value is not None:
                    betas.setdefault(record['key'][0], []).append(value)
            files[result_file_name('shape', self.dataset)] = shape_entries(
                sequences, {s: np.mean(v, 0) for s, v in betas.items()},
                f'{name} ({self.folder})')
        write_archive(self.out_file, files)
        first = next(iter(files.values()))
        return dict(submission_entries=len(first))

    def _world_poses(self, kept: Dict) -> Dict:
        """key -> (mano_theta, wrist_xform in the world), metres."""
        out, to_move = {}, []
        for key, record in kept.items():
            mano = record['mano']
            if 'mano_theta' not in mano:
                raise ConfigError(f"{type(self).__name__}: {key}: pred_mano "
                                  "has no 'mano_theta' (15 PCA coefficients)")
            if 'wrist_xform_world' in mano:
                out[key] = (mano['mano_theta'], mano['wrist_xform_world'])
            elif 'global_orient' in mano and 'transl' in mano:
                to_move.append(key)
            else:
                raise ConfigError(
                    f"{type(self).__name__}: {key}: pred_mano needs "
                    "'wrist_xform_world' or 'global_orient' and 'transl'")
        if to_move:
            out.update(self._moved_to_world(kept, to_move))
        return out

    def _moved_to_world(self, kept: Dict, keys: List) -> Dict:
        import torch

        from egohands.hand_models.toolkit_mano import transform_wrist_xform
        mano = self.hand_model.mano(type(self).__name__)
        betas = np.stack([kept[k]['mano'].get('betas', np.zeros(10))
                          for k in keys])
        with torch.no_grad():
            rest = mano.rest_wrist(
                torch.as_tensor(betas, dtype=torch.float32),
                torch.as_tensor([k[2] == 'right' for k in keys])).double()
        out = {}
        for key, wrist in zip(keys, rest.numpy()):
            record = kept[key]
            camera_xform = np.concatenate([record['mano']['global_orient'],
                                           record['mano']['transl']])
            out[key] = (record['mano']['mano_theta'], transform_wrist_xform(
                camera_xform, record['T_world_from_cam_m'], wrist))
        return out
