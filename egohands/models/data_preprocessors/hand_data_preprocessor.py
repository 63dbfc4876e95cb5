"""``HandDataPreprocessor``: batches packed crops for the model.

It runs inside ``train_step`` / ``val_step`` (not in the dataloader): it moves
the batch to the model's device, stacks the (3, h, w) uint8 crops into a
(B, 3, h, w) float tensor, optionally swaps BGR to RGB (images are loaded as
BGR) and normalises with ``(x - mean) / std`` in 0-255 units. The data
samples are moved to the same device untouched.

Two shortcuts over mmengine's ``ImgDataPreprocessor`` keep the training step
within 2 % of a bare PyTorch loop (``tools/benchmark.py --only step``):
crops of one size are stacked first and normalised as one batch (the same
element-wise arithmetic, so the same values), and a data sample is moved by
a new sample that shares its metainfo values instead of deep-copying them
(the values are the sample's own: ``PackHandInputs`` made them).
"""
from typing import Optional, Sequence

import torch
from mmengine.model import ImgDataPreprocessor
from mmengine.structures import BaseDataElement

from egohands.registry import MODELS


def move_data_sample(sample: BaseDataElement, device: torch.device,
                     non_blocking: bool = False) -> BaseDataElement:
    """A new sample of the same type on ``device``: tensors moved, other
    data and every metainfo value shared with ``sample`` (not copied)."""
    moved = type(sample)()
    for name, value in sample.metainfo_items():
        moved.set_field(value, name, field_type='metainfo')
    for name, value in sample.items():
        if hasattr(value, 'to'):
            value = value.to(device, non_blocking=non_blocking)
        moved.set_field(value, name, field_type='data')
    return moved


@MODELS.register_module()
class HandDataPreprocessor(ImgDataPreprocessor):
    """Normalise, convert colour order, stack and move a batch of crops.

    Args:
        mean: per-channel mean in 0-255 units, in the channel order *after*
            the optional BGR -> RGB swap (e.g. ImageNet
            ``[123.675, 116.28, 103.53]`` for RGB).
        std: per-channel standard deviation, same units and order.
        bgr_to_rgb: swap the channel order of the input images.
        non_blocking: asynchronous host-to-device copies.
    """

    def __init__(self,
                 mean: Optional[Sequence[float]] = None,
                 std: Optional[Sequence[float]] = None,
                 bgr_to_rgb: bool = False,
                 non_blocking: bool = False) -> None:
        super().__init__(mean=mean, std=std, bgr_to_rgb=bgr_to_rgb,
                         non_blocking=non_blocking)

    def cast_data(self, data):
        """mmengine's device move, with :func:`move_data_sample` for data
        samples (mmengine's ``BaseDataElement.to`` deep-copies metainfo)."""
        if isinstance(data, BaseDataElement):
            return move_data_sample(data, self.device, self._non_blocking)
        return super().cast_data(data)

    def forward(self, data: dict, training: bool = False) -> dict:
        """``{'inputs': (B, 3, h, w) float, 'data_samples': list}``.

        A list of (3, h, w) crops of one shape is stacked as uint8 and
        normalised in one pass; anything else (crops of several sizes, padding) takes
        mmengine's per-image path.
        """
        inputs = data['inputs'] if isinstance(data, dict) else None
        if not (isinstance(inputs, (list, tuple)) and inputs and all(
                isinstance(image, torch.Tensor) and image.dim() == 3
                and image.shape == inputs[0].shape for image in inputs)
                and inputs[0].shape[0] == 3):
            return super().forward(data, training)
        images = torch.stack(list(inputs)).to(
            self.device, non_blocking=self._non_blocking)
        if self._channel_conversion:
            images = images[:, [2, 1, 0], ...]
        images = images.float()
        if self._enable_normalize:
            images = (images - self.mean) / self.std
        batch = {key: self.cast_data(value) for key, value in data.items()
                 if key != 'inputs'}
        batch['inputs'] = images
        batch.setdefault('data_samples', None)
        return batch


def build_data_preprocessor(cfg):
    """A model's data preprocessor from its config dict, built in egohands'
    ``MODELS`` (mmengine's ``BaseModel`` would look in its own registry when
    no default scope is set); a module or None passes through."""
    return MODELS.build(cfg) if isinstance(cfg, dict) else cfg
