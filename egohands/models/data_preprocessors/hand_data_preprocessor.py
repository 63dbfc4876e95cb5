"""``HandDataPreprocessor``: batches packed crops for the model.

It runs inside ``train_step`` / ``val_step`` (not in the dataloader): it moves
the batch to the model's device, stacks the (3, h, w) uint8 crops into a
(B, 3, h, w) float tensor, optionally swaps BGR to RGB (images are loaded as
BGR) and normalises with ``(x - mean) / std`` in 0-255 units. The data
samples are moved to the same device untouched.
"""
from typing import Optional, Sequence

from mmengine.model import ImgDataPreprocessor

from egohands.registry import MODELS


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


def build_data_preprocessor(cfg):
    """A model's data preprocessor from its config dict, built in egohands'
    ``MODELS`` (mmengine's ``BaseModel`` would look in its own registry when
    no default scope is set); a module or None passes through."""
    return MODELS.build(cfg) if isinstance(cfg, dict) else cfg
