"""``HandCenterDetector``: a small centre-point hand detector.

The whole image, letterboxed to ``input_size`` px, goes through a backbone;
a small head predicts, per cell of the backbone's last map (stride
``stride`` px), a centre heatmap per side (left, right), the box size and
the sub-cell centre offset (``center_targets``). ``detect(image)`` turns a
BGR image into boxes, scores and sides in image px: what
``HandPoseInferencer(detector=...)`` and ``tools/infer.py --detector`` use.
"""
from __future__ import annotations

from typing import Dict, List, Optional, Tuple

import numpy as np
import torch
import torch.nn.functional as F
from mmengine.model import BaseModel
from torch import nn

from egohands.models.data_preprocessors import build_data_preprocessor
from egohands.models.detectors.center_targets import (SIDE_CHANNELS,
                                                      decode_centers,
                                                      encode_center_targets)
from egohands.registry import MODELS


def focal_heatmap_loss(logits: torch.Tensor, target: torch.Tensor,
                       alpha: float = 2.0, beta: float = 4.0
                       ) -> torch.Tensor:
    """Penalty-reduced focal loss of centre heatmaps (CornerNet style):
    cells with target 1 are positives, the others negatives down-weighted
    by ``(1 - target) ** beta``; normalised by the number of positives."""
    prob = logits.sigmoid().clamp(1e-4, 1 - 1e-4)
    positive = target.eq(1).float()
    pos_loss = -torch.log(prob) * (1 - prob) ** alpha * positive
    neg_loss = (-torch.log(1 - prob) * prob ** alpha *
                (1 - target) ** beta * (1 - positive))
    return (pos_loss.sum() + neg_loss.sum()) / positive.sum().clamp(min=1)


@MODELS.register_module()
class HandCenterDetector(BaseModel):
    """Hand boxes and sides from a whole image.

    Args:
        backbone: config of a backbone whose last output has stride
            ``stride`` (e.g. ``SimpleCNN`` with 3 blocks: 8).
        in_channels: channels of that output.
        stride: input px per output cell.
        input_size: side of the square network input, px.
        feat_channels: channels of the head's hidden conv.
        score_thr: detections keep peaks scoring at least this.
        top_k: at most this many detections per image.
        size_weight, offset_weight: loss weights of the L1 size / offset
            terms (the heatmap term has weight 1).
        data_preprocessor: e.g. ``HandDataPreprocessor`` (normalises and
            stacks the letterboxed images).
    """

    def __init__(self, backbone: Dict, in_channels: int, stride: int = 8,
                 input_size: int = 128, feat_channels: int = 64,
                 score_thr: float = 0.3, top_k: int = 10,
                 size_weight: float = 0.1, offset_weight: float = 1.0,
                 data_preprocessor: Optional[Dict] = None,
                 init_cfg=None) -> None:
        super().__init__(
            data_preprocessor=build_data_preprocessor(data_preprocessor),
            init_cfg=init_cfg)
        self.backbone = MODELS.build(backbone)
        self.stride = int(stride)
        self.input_size = int(input_size)
        self.score_thr = float(score_thr)
        self.top_k = int(top_k)
        self.size_weight = float(size_weight)
        self.offset_weight = float(offset_weight)
        self.neck = nn.Sequential(
            nn.Conv2d(in_channels, feat_channels, 3, padding=1),
            nn.ReLU(inplace=True))
        self.heatmap = nn.Conv2d(feat_channels, 2, 1)
        self.size = nn.Conv2d(feat_channels, 2, 1)
        self.offset = nn.Conv2d(feat_channels, 2, 1)
        # a 1 % prior of a centre per cell: the focal loss starts small
        nn.init.constant_(self.heatmap.bias, -4.6)

    # -- network ------------------------------------------------------
    def _maps(self, inputs: torch.Tensor
              ) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(B, 2, H, W) heatmap logits, sizes (cells), offsets (cells)."""
        feature = self.neck(self.backbone(inputs)[-1])
        expected = self.input_size // self.stride
        if feature.shape[-1] != expected:
            raise ValueError(
                f'HandCenterDetector: the backbone gives a {feature.shape[-1]}'
                f'-cell map for a {inputs.shape[-1]} px input; stride='
                f'{self.stride} and input_size={self.input_size} expect '
                f'{expected}')
        return (self.heatmap(feature), F.relu(self.size(feature)),
                self.offset(feature).sigmoid())

    def forward(self, inputs: torch.Tensor, data_samples=None,
                mode: str = 'tensor'):
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        return self._maps(inputs)

    def loss(self, inputs: torch.Tensor, data_samples: List
             ) -> Dict[str, torch.Tensor]:
        logits, size, offset = self._maps(inputs)
        grid = tuple(logits.shape[-2:])
        targets = [encode_center_targets(
            s.gt_boxes.cpu().numpy(),
            [SIDE_CHANNELS[i] for i in s.gt_sides.tolist()], grid,
            self.stride) for s in data_samples]
        heatmap, size_t, offset_t, mask = (
            torch.as_tensor(np.stack(parts), device=logits.device)
            for parts in zip(*targets))
        mask = mask[:, None]
        count = mask.sum().clamp(min=1)
        return dict(
            loss_heatmap=focal_heatmap_loss(logits, heatmap),
            loss_size=self.size_weight * (
                (size - size_t).abs() * mask).sum() / count,
            loss_offset=self.offset_weight * (
                (offset - offset_t).abs() * mask).sum() / count)

    def predict(self, inputs: torch.Tensor, data_samples: List) -> List:
        """``data_samples`` with ``pred_boxes`` (N, 4) xyxy px of the
        original image, ``pred_scores`` (N,), ``pred_sides`` (N,) long
        (0 left, 1 right)."""
        logits, size, offset = self._maps(inputs)
        for index, sample in enumerate(data_samples):
            boxes, scores, sides = decode_centers(
                logits[index].sigmoid(), size[index], offset[index],
                self.stride, self.score_thr, self.top_k)
            scale = torch.as_tensor(
                np.tile(sample.metainfo.get('scale_factor', (1.0, 1.0)), 2),
                dtype=boxes.dtype, device=boxes.device)
            sample.pred_boxes = boxes / scale
            sample.pred_scores = scores
            sample.pred_sides = sides
        return data_samples

    # -- inference API ------------------------------------------------
    @torch.no_grad()
    def detect(self, image: np.ndarray
               ) -> Tuple[np.ndarray, np.ndarray, List[str]]:
        """Hands of one image.

        Args:
            image: (h, w, 3) uint8 BGR.

        Returns:
            boxes (N, 4) float32 xyxy image px (clipped to the image),
            scores (N,) float32, sides N of 'left' / 'right'; best first.
        """
        from mmengine.structures import BaseDataElement

        from egohands.datasets.transforms.detection import letterbox
        height, width = image.shape[:2]
        square, scale = letterbox(image, self.input_size)
        sample = BaseDataElement(metainfo=dict(scale_factor=scale))
        batch = dict(inputs=[torch.from_numpy(
            np.ascontiguousarray(square.transpose(2, 0, 1)))],
            data_samples=[sample])
        was_training = self.training
        self.eval()
        try:
            batch = self.data_preprocessor(batch, False)
            result = self.predict(batch['inputs'], batch['data_samples'])[0]
        finally:
            self.train(was_training)
        boxes = result.pred_boxes.cpu().numpy().astype(np.float32)
        boxes[:, 0::2] = boxes[:, 0::2].clip(0, width)
        boxes[:, 1::2] = boxes[:, 1::2].clip(0, height)
        keep = (boxes[:, 2] > boxes[:, 0]) & (boxes[:, 3] > boxes[:, 1])
        sides = [SIDE_CHANNELS[i] for i in result.pred_sides.tolist()]
        return (boxes[keep], result.pred_scores.cpu().numpy()[keep].astype(
            np.float32), [s for s, k in zip(sides, keep) if k])
