"""``TwoHandImageDataset``: one sample per image with its right and left hand.

WildHands and ArcticNet-SF see a whole image and predict both hands at
once. This wrapper builds any per-hand dataset of the registry (its own
checks and filters apply), groups its hands by image (``img_path``) and
yields one dict per image: the image keys of the per-hand dict and
``hands = {'right': per-hand dict, 'left': per-hand dict}``; a side the
image does not have is absent (``TwoHandCrops`` fills it as a missing hand).
An image with two hands of one side keeps the one with more valid 3D joints
(the first on a tie) and the count of dropped hands is logged.
"""
from __future__ import annotations

from typing import Dict, List, Optional, Sequence, Union

from mmengine.dataset import BaseDataset
from mmengine.logging import print_log

from egohands.datasets.base_dataset import BaseHandDataset
from egohands.datasets.metainfo import hand_metainfo
from egohands.registry import DATASETS
from egohands.utils.errors import ConfigError

IMAGE_KEYS = ('img_path', 'img_id', 'img_shape', 'K', 'sequence', 'frame',
              'view', 'T_world_from_cam', 'dataset_name')
HAND_SIDES = ('right', 'left')


def group_hands_by_image(hands: Sequence[dict]) -> List[dict]:
    """Per-hand dicts -> per-image dicts (module docstring), in the order
    of each image's first hand; returns them and logs dropped duplicates."""
    images: Dict[str, dict] = {}
    dropped = 0
    for hand in hands:
        image = images.get(hand['img_path'])
        if image is None:
            image = {key: hand.get(key) for key in IMAGE_KEYS}
            image['hands'] = {}
            images[hand['img_path']] = image
        side = hand['hand_side']
        previous = image['hands'].get(side)
        if previous is not None:
            dropped += 1
            if hand['joints_valid'].sum() <= previous['joints_valid'].sum():
                continue
        image['hands'][side] = hand
    if dropped:
        print_log(f'TwoHandImageDataset: {dropped} images had two hands of '
                  'one side; kept the one with more valid joints',
                  logger='current')
    return list(images.values())


@DATASETS.register_module()
class TwoHandImageDataset(BaseDataset):
    """Images with their right and left hand (module docstring).

    Args:
        hands: config of the per-hand dataset (e.g. ``EgoHandsCocoDataset``);
            its ``pipeline`` is ignored.
        pipeline: transforms of the per-image dict, e.g. ``LoadImage ->
            TwoHandCrops -> PackTwoHandInputs``.
        test_mode, lazy_init, indices, max_refetch: as in
            :class:`mmengine.dataset.BaseDataset`.
    """

    METAINFO: dict = hand_metainfo()

    def __init__(self,
                 hands: dict,
                 pipeline: Sequence[Union[dict, object]] = (),
                 test_mode: bool = False,
                 lazy_init: bool = False,
                 indices: Optional[Union[int, Sequence[int]]] = None,
                 max_refetch: int = 1000) -> None:
        if not isinstance(hands, dict) or 'type' not in hands:
            raise ConfigError('TwoHandImageDataset: hands must be the config '
                              'dict of a per-hand dataset (with a type), got '
                              f'{hands!r}')
        self.hands_cfg = dict(hands)
        super().__init__(
            ann_file='', data_root='', test_mode=test_mode,
            pipeline=BaseHandDataset._build_transforms(pipeline),
            lazy_init=lazy_init, indices=indices, max_refetch=max_refetch)

    def load_data_list(self) -> List[dict]:
        cfg = dict(self.hands_cfg, pipeline=[])
        cfg.setdefault('test_mode', self.test_mode)
        per_hand = DATASETS.build(cfg)
        return group_hands_by_image(
            [per_hand.get_data_info(i) for i in range(len(per_hand))])
