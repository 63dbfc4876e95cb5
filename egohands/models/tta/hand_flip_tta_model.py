"""``HandFlipTTAModel``: average the predictions of flipped views of a hand.

With mmengine's test-time augmentation, ``mmcv.TestTimeAug`` makes several
views of each crop (here: unflipped and flipped) and :class:`HandFlipTTAModel`
runs the estimator on every view. The estimator has already brought each
view's prediction back to the original image and camera frame (architecture
section 3.3), so merging is a plain average. HP-ViT used the vertical flip
(arXiv:2406.12219; docs/hpvit.md); a horizontal flip swaps the hand side and
works the same way.

Config (``tools/test.py --tta`` swaps these in)::

    tta_model = dict(type='HandFlipTTAModel')
    tta_pipeline = [
        ...,  # loading, box and TopdownAffine as in the test pipeline
        dict(type='TestTimeAug', transforms=[
            [dict(type='RandomFlip', direction='vertical', prob=0.0),
             dict(type='RandomFlip', direction='vertical', prob=1.0)],
            [dict(type='PackHandInputs')]])]

:func:`flip_tta_pipeline` builds the last entry for any set of directions.
"""
from typing import List, Optional, Sequence, Union

import torch
from mmengine.model import BaseTTAModel
from torch import nn

from egohands.registry import MODELS
from egohands.structures import HandDataSample
from egohands.utils.errors import ConfigError

#: prediction fields averaged over the views (all in the original frame)
AVERAGED_FIELDS = ('pred_joints_3d', 'pred_keypoints_2d', 'pred_vertices',
                   'pred_grasp_logits')


def flip_tta_pipeline(directions: Sequence[str] = ('vertical', ),
                      pack: Optional[dict] = None) -> dict:
    """``TestTimeAug`` config: the unflipped view plus one per direction.

    Args:
        directions: ``'vertical'`` (HP-ViT) and/or ``'horizontal'``
            (mirrors the hand, swapping left and right).
        pack: the packing transform (default ``PackHandInputs``).
    """
    views = [dict(type='RandomFlip', direction='vertical', prob=0.0)]
    for direction in directions:
        if direction not in ('vertical', 'horizontal'):
            raise ConfigError(f'flip TTA direction {direction!r}: use '
                              "'vertical' or 'horizontal'")
        views.append(dict(type='RandomFlip', direction=direction, prob=1.0))
    return dict(type='TestTimeAug',
                transforms=[views, [pack or dict(type='PackHandInputs')]])


@MODELS.register_module()
class HandFlipTTAModel(BaseTTAModel):
    """Merge the views of each hand by averaging their predictions.

    Args:
        module: the estimator (config or module), e.g.
            ``TopdownHandEstimator``; ``tools/test.py --tta`` fills it in.
        data_preprocessor: optional preprocessor config for the module.

    Averaged: ``pred_joints_3d`` (K, 3) mm, ``pred_keypoints_2d`` (K, 2)
    full-image px, ``pred_vertices``, ``pred_grasp_logits``. The
    uncertainty ``pred_joints_3d_std`` is merged as the root mean square of
    the views' (the views are far from independent, so no 1/sqrt(n)
    shrinkage). Other fields (``pred_mano``, ``pred_joints_absolute``) and
    the ground truth come from the unflipped view; the merged sample lists
    the views in the ``tta_flips`` metainfo.
    """

    def __init__(self, module: Union[dict, nn.Module],
                 data_preprocessor: Optional[dict] = None) -> None:
        if isinstance(module, dict):
            if data_preprocessor is not None:
                module = dict(module, data_preprocessor=data_preprocessor)
            # egohands' registry, so that no default scope is needed
            module = MODELS.build(module)
        super().__init__(module=module)

    def merge_preds(
        self, data_samples_list: List[List[HandDataSample]]
    ) -> List[HandDataSample]:
        """One merged sample per hand from the list of its views."""
        return [self._merge_views(list(views)) for views in data_samples_list]

    @staticmethod
    def _merge_views(views: List[HandDataSample]) -> HandDataSample:
        flips = [view.metainfo.get('flip', 'none') or 'none' for view in views]
        base = views[flips.index('none')] if 'none' in flips else views[0]
        merged = base.clone()
        for field in AVERAGED_FIELDS:
            if field in base:
                merged.set_field(
                    torch.stack([_as_tensor(view.get(field)) for view in views
                                 ]).mean(dim=0), field)
        if 'pred_joints_3d_std' in base:
            stds = torch.stack(
                [_as_tensor(view.pred_joints_3d_std) for view in views])
            merged.pred_joints_3d_std = stds.pow(2).mean(dim=0).sqrt()
        absolute = {bool(view.get('pred_joints_absolute', False))
                    for view in views}
        if len(absolute) > 1:
            raise ValueError('flip TTA views disagree on '
                             'pred_joints_absolute; cannot average them')
        merged.set_metainfo(dict(tta_flips=flips))
        return merged


def _as_tensor(value) -> torch.Tensor:
    return torch.as_tensor(value, dtype=torch.float32)


