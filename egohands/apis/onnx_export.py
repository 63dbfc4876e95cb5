"""Export a top-down estimator to ONNX (``tools/export_onnx.py``).

The graph takes the packed crops as the model sees them after the test
pipeline, before its data preprocessor:

* ``inputs`` (B, 3, h, w) float32, BGR, 0-255;
* ``looks_left`` (B,) bool: whether each crop shows a left-looking hand
  (read by side-conditioned heads, ignored by the others);

and returns ``pred_joints_3d`` (B, 21, 3) mm in the crop's camera frame
(wrist-relative: the codec-based heads: regression, 3D heatmap, joint
queries) and, for heads with an uncertainty, ``pred_joints_3d_std``
(B, 21, 3) mm. The normalisation of the data preprocessor and the codec's
decoding are inside the graph, so the file runs alone; its metadata
(``egohands`` key, JSON) holds the test pipeline, the input size and the
output names that ``egohands.apis.onnx_runtime`` reads. MANO heads (their
prediction needs the crop camera) are not exported.
"""
from __future__ import annotations

import json
from typing import Dict, List, Tuple

import torch
from torch import nn

from egohands.utils.errors import ConfigError, MissingAssetError

METADATA_KEY = 'egohands'
OPSET = 17


def require_onnx(what: str = 'ONNX export'):
    """The ``onnx`` module, or a MissingAssetError saying how to get it."""
    try:
        import onnx
    except ImportError as err:
        raise MissingAssetError(
            f'{what} needs the optional packages onnx and onnxruntime: pip '
            'install onnx onnxruntime onnxscript (or pip install '
            '-e .[onnx])') from err
    return onnx


class ExportableTopdown(nn.Module):
    """``(inputs, looks_left) -> (pred_joints_3d[, pred_joints_3d_std])``
    of a ``TopdownHandEstimator`` with a codec-based head (module
    docstring)."""

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        head = getattr(model, 'head', None)
        if head is None or getattr(head, 'codec', None) is None:
            raise ConfigError(
                f'ONNX export supports top-down estimators with a codec-based '
                f'head (regression, 3D heatmap, joint queries); '
                f'{type(head).__name__} is not one')
        self.model = model
        self.side_conditioned = getattr(head, 'side_embedding',
                                        None) is not None
        preprocessor = model.data_preprocessor
        self.bgr_to_rgb = bool(getattr(preprocessor, '_channel_conversion',
                                       False))
        normalise = bool(getattr(preprocessor, '_enable_normalize', False))
        self.register_buffer('mean', preprocessor.mean.clone().float()
                             if normalise else torch.zeros(3, 1, 1))
        self.register_buffer('std', preprocessor.std.clone().float()
                             if normalise else torch.ones(3, 1, 1))

    def forward(self, inputs: torch.Tensor,
                looks_left: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        if self.bgr_to_rgb:
            inputs = inputs.flip(1)
        inputs = (inputs - self.mean) / self.std
        feats = self.model.extract_feat(inputs)
        head = self.model.head
        out = head.forward(feats, looks_left) if self.side_conditioned \
            else head.forward(feats)
        joints = head.codec.decode(out['joints'])
        if 'sigma' not in out:
            return (joints, )
        # first-order propagation through the codec, as the head's predict
        std = (head.codec.decode(out['joints'] + out['sigma']) -
               joints).abs()
        return joints, std

    def output_names(self, with_std: bool) -> List[str]:
        return ['pred_joints_3d'] + (['pred_joints_3d_std'] if with_std
                                     else [])


def export_onnx(model: nn.Module, out_file: str) -> Dict:
    """Write ``model`` (built with ``egohands.apis.init_model``) to
    ``out_file``; return the metadata written into it."""
    onnx = require_onnx()
    wrapper = ExportableTopdown(model).eval()
    cfg = model.cfg
    pipeline = [dict(t) for t in (cfg.get('test_pipeline', None) or
                                  cfg.test_dataloader.dataset.pipeline)]
    size = next((tuple(t['input_size']) for t in pipeline
                 if t.get('type') == 'TopdownAffine'), None)
    if size is None:
        raise ConfigError('ONNX export: the test pipeline has no '
                          'TopdownAffine (no fixed input size)')
    inputs = torch.rand(2, 3, size[1], size[0]) * 255
    looks_left = torch.tensor([False, True])
    with torch.no_grad():
        with_std = len(wrapper(inputs, looks_left)) == 2
    names = wrapper.output_names(with_std)
    torch.onnx.export(
        wrapper, (inputs, looks_left), out_file,
        input_names=['inputs', 'looks_left'], output_names=names,
        dynamic_axes={name: {0: 'batch'} for name in
                      ['inputs', 'looks_left'] + names},
        opset_version=OPSET, dynamo=False)
    meta = dict(format='egohands-onnx', version=1, pipeline=pipeline,
                input_size=list(size), outputs=names,
                joints_absolute=False,
                side_conditioned=wrapper.side_conditioned)
    graph = onnx.load(out_file)
    entry = graph.metadata_props.add()
    entry.key, entry.value = METADATA_KEY, json.dumps(meta)
    onnx.save(graph, out_file)
    return meta
