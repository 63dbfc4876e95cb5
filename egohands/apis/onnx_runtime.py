"""``OnnxHandEstimator``: run a file of ``tools/export_onnx.py`` with
onnxruntime behind the estimator's ``test_step``, so that
``inference_topdown`` and ``HandPoseInferencer`` use it like the PyTorch
model (``init_model(config, 'model.onnx')`` or ``init_model('model.onnx')``).

Predictions leave it as the estimator's do: wrist-relative
``pred_joints_3d`` (21, 3) mm (and ``pred_joints_3d_std``) in the original
camera frame (``original_frame.to_original_frame``).
"""
from __future__ import annotations

import json
from typing import Dict, List, Optional

import numpy as np
import torch
from mmengine.config import Config

from egohands.apis.onnx_export import METADATA_KEY, require_onnx
from egohands.utils.errors import CheckpointError


class OnnxHandEstimator:
    """An exported top-down model (module docstring).

    Args:
        onnx_file: the exported file.
        cfg: config for the test pipeline (None: the file's own).
        device: only ``'cpu'`` runs (CPU execution provider).
    """

    def __init__(self, onnx_file: str, cfg: Optional[Config] = None,
                 device: str = 'cpu') -> None:
        require_onnx('running an ONNX model')
        try:
            import onnxruntime
        except ImportError as err:
            raise CheckpointError(f'{onnx_file}: running it needs '
                                  'onnxruntime (pip install onnxruntime)'
                                  ) from err
        try:
            self.session = onnxruntime.InferenceSession(
                onnx_file, providers=['CPUExecutionProvider'])
        except Exception as err:  # onnxruntime raises its own types
            raise CheckpointError(f'{onnx_file}: onnxruntime cannot load it '
                                  f'({str(err).splitlines()[0]})') from err
        meta = self.session.get_modelmeta().custom_metadata_map
        if METADATA_KEY not in meta:
            raise CheckpointError(f'{onnx_file}: not written by '
                                  'tools/export_onnx.py (no egohands '
                                  'metadata)')
        self.meta = json.loads(meta[METADATA_KEY])
        self.cfg = cfg if cfg is not None else Config(
            dict(test_pipeline=self.meta['pipeline']))
        self.onnx_file = onnx_file

    def eval(self) -> 'OnnxHandEstimator':
        return self

    def run(self, inputs: np.ndarray,
            looks_left: np.ndarray) -> Dict[str, np.ndarray]:
        """Raw graph outputs for (B, 3, h, w) float32 BGR 0-255 crops."""
        feed = dict(inputs=np.ascontiguousarray(inputs, np.float32),
                    looks_left=np.asarray(looks_left, bool))
        # an input the graph does not read (the side flag of heads that
        # are not side-conditioned) is dropped by the exporter
        names = {node.name for node in self.session.get_inputs()}
        outputs = self.session.run(None, {k: v for k, v in feed.items()
                                          if k in names})
        return dict(zip(self.meta['outputs'], outputs))

    def test_step(self, data: Dict) -> List:
        """Predictions of a pseudo-collated batch of packed hands."""
        from egohands.geometry.flip import apparent_hand_side
        from egohands.models.estimators.original_frame import \
            to_original_frame
        samples = data['data_samples']
        inputs = torch.stack(list(data['inputs'])).float().numpy()
        looks_left = np.array([
            apparent_hand_side(s.metainfo.get('hand_side', 'right'),
                               s.metainfo.get('flip', 'none')) == 'left'
            for s in samples])
        outputs = self.run(inputs, looks_left)
        for index, sample in enumerate(samples):
            pred = {name: torch.from_numpy(values[index].copy())
                    for name, values in outputs.items()}
            pred['pred_joints_absolute'] = bool(
                self.meta.get('joints_absolute', False))
            sample.set_data(to_original_frame(pred, sample.metainfo))
        return samples
