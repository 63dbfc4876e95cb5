"""POTTER's EgoExo4D hand-pose baseline -> egohands ``TopdownHandEstimator``.

Source: ``POTTER-HandPose-ego4d.pt`` of the baseline's Drive folder
(model_zoo.md), ``torch.save({'epoch', 'state_dict',
'optimizer_state_dict', 'val_loss'})`` of ``PoolAttnHR_Pose_3D``
(seed_methods.md section 4.2): ``poolattnformer_pose.`` (the backbone:
``poolattn_cls`` PoolAttnFormer, ``stage1`` high-resolution stream, ``norm0``
and ``norm3``) and the head (``up_sample``, ``norm1``, ``final_layer``,
``pose_layer``, ``pose_3d_head``), optionally behind ``module.``.

Target: ``configs/potter/potter_poolattn-s12_1xb64-70e_egoexo4d-224x224.py``
(``POTTERBackbone`` + ``Heatmap3DHandHead``), names in the tables below.
The checkpoint does not hold the statistics of its output space: the
baseline hard-codes them in its dataset (``joint_mean`` / ``joint_std``,
mm); the converter writes them as the codec's buffers, so the converted
model decodes exactly as the baseline.

The ImageNet POTTER_cls weights (``cls_s12.pth``, the baseline's
initialisation) are read by ``POTTERBackbone(pretrained=...)`` through
:func:`imagenet_backbone_rules`.
"""
import argparse
from typing import Dict, List, Tuple

import torch

from egohands.checkpoint_converters.key_rules import (KeyRule, apply_key_rules,
                                                      prefixed_rules)
from egohands.checkpoint_converters.writing import convert_file

NAME = 'potter'
DESCRIPTION = ('POTTER EgoExo4D hand-pose baseline (EGO4D/ego-exo4d-egopose '
               'handpose/models/POTTER) -> egohands checkpoint for '
               'configs/potter/'
               'potter_poolattn-s12_1xb64-70e_egoexo4d-224x224.py')
HOW_TO_OBTAIN = (
    'download the baseline weights from the Drive folder '
    '1WSvV7wvmYBvFhB5KwK6PRXwV5dpHd9Hf linked in EGO4D/ego-exo4d-egopose '
    'handpose/models/POTTER/README.md (model_zoo.md)')
IMAGENET_HOW_TO_OBTAIN = (
    'download the POTTER_cls ImageNet weights poolattnformer_s12 linked in '
    'zczcwh/POTTER image_classification/README.md (model_zoo.md), or set '
    'model.backbone.pretrained=None to start from random weights')

#: stages of the official PoolAttnFormer (s12)
OFFICIAL_NUM_STAGES = 4

_MODULE = r'(?:module\.)?'
_POSE = _MODULE + r'poolattnformer_pose\.'

#: official block parameter -> ``PoolAttnBlock`` parameter (group 1 is the
#: block index of the container)
_BLOCK_PARTS: Tuple[Tuple[str, str], ...] = (
    (r'norm1\.(weight|bias)', r'norm1.\2'),
    (r'token_mixer\.norm\.(weight|bias)', r'token_mixer.norm.\2'),
    (r'token_mixer\.proj0\.(weight|bias)', r'token_mixer.patch_proj.\2'),
    (r'token_mixer\.proj1\.(weight|bias)', r'token_mixer.embed_proj.\2'),
    (r'token_mixer\.proj2\.(weight|bias)', r'token_mixer.out_proj.\2'),
    (r'norm2\.(weight|bias)', r'norm2.\2'),
    (r'mlp\.(fc1|fc2)\.(weight|bias)', r'mlp.\2.\3'),
    (r'(layer_scale_[12])', r'\2'),
)

#: official head parameter -> ``Heatmap3DHandHead`` parameter
_HEAD_PARTS: Tuple[Tuple[str, str], ...] = (
    (r'up_sample\.0\.(weight|bias)', r'expand.0.\1'),
    (r'norm1\.(weight|bias)', r'expand_norm.\1'),
    (r'final_layer\.(weight|bias)', r'volume_proj.\1'),
    (r'pose_layer\.([023])\.(weight|bias)', r'volume_refine.\1.\2'),
    (r'pose_3d_head\.([023])\.(weight|bias)', r'joint_regressor.\1.\2'),
)


def _block_rules(source: str, target: str) -> List[KeyRule]:
    return prefixed_rules(rf'{source}\.(\d+)\.', rf'{target}.\1.',
                          _BLOCK_PARTS)


def _main_stage_rules(source: str, target: str,
                      num_stages: int) -> List[KeyRule]:
    """PoolAttnFormer ``patch_embed`` and ``network.{i}`` (stage blocks at
    even i, down-sampling convs at odd i)."""
    rules = [KeyRule(rf'{source}patch_embed\.proj\.(weight|bias)',
                     rf'{target}stem.\1')]
    for stage in range(num_stages):
        rules += _block_rules(rf'{source}network\.{2 * stage}',
                              f'{target}stages.{stage}')
        if stage + 1 < num_stages:
            rules.append(KeyRule(
                rf'{source}network\.{2 * stage + 1}\.proj\.(weight|bias)',
                rf'{target}downsamples.{stage}.\1'))
    return rules


def backbone_rules(num_stages: int = OFFICIAL_NUM_STAGES,
                   target: str = 'backbone.') -> List[KeyRule]:
    """Baseline ``poolattnformer_pose.*`` -> ``POTTERBackbone`` under
    ``target``.

    ``stage1.patch_emb{k}`` up-samples stage k by k x2 steps: a single
    ``PatchSplit`` for k = 1, an ``nn.Sequential`` of them otherwise; both
    become ``hr_upsamplers.{k-1}.{step}``.
    """
    cls = _POSE + r'poolattn_cls\.'
    rules = _main_stage_rules(cls, target, num_stages)
    rules += [KeyRule(rf'{cls}norm{2 * stage}\.(weight|bias)',
                      rf'{target}stage_norms.{stage}.\1')
              for stage in range(num_stages)]
    stream = _POSE + r'stage1\.'
    rules.append(KeyRule(rf'{stream}patch_emb1\.proj\.(weight|bias)',
                         rf'{target}hr_upsamplers.0.0.proj.\1'))
    for level in range(1, num_stages):
        if level > 1:
            rules.append(KeyRule(
                rf'{stream}patch_emb{level}\.(\d+)\.(proj|norm)\.'
                r'(weight|bias)', rf'{target}hr_upsamplers.{level - 1}.\1.'
                r'\2.\3'))
        rules += _block_rules(rf'{stream}Block{level}',
                              f'{target}hr_stages.{level - 1}')
    rules += [
        KeyRule(rf'{_POSE}norm0\.(weight|bias)', rf'{target}hr_norm.\1'),
        KeyRule(rf'{_POSE}norm{num_stages - 1}\.(weight|bias)',
                rf'{target}low_res_norm.\1'),
    ]
    return rules


def head_rules(target: str = 'head.') -> List[KeyRule]:
    """Baseline hand head -> ``Heatmap3DHandHead`` under ``target``."""
    return prefixed_rules(_MODULE, target, _HEAD_PARTS)


def potter_rules() -> List[KeyRule]:
    """The full key table of the baseline conversion."""
    return backbone_rules() + head_rules()


def imagenet_backbone_rules(num_stages: int = OFFICIAL_NUM_STAGES
                            ) -> List[KeyRule]:
    """POTTER_cls ImageNet checkpoint -> ``POTTERBackbone`` (no prefix).

    It holds the main stages only (no stage norms, no high-resolution
    stream); its classifier is dropped.
    """
    return _main_stage_rules(_MODULE, '', num_stages) + [
        KeyRule(rf'{_MODULE}(norm|head)\.(weight|bias)', None,
                'ImageNet classifier'),
    ]


#: the baseline's target statistics (ego4d_dataset.py ``joint_mean`` and
#: ``joint_std``): wrist-relative joints, mm, EgoExo4D order, Aria camera
BASELINE_JOINT_MEAN_MM = (
    (0.0, 0.0, 0.0),
    (-3.9501650, -0.86685377, 24.517984),
    (-13.187613, 1.2967486, 47.673504),
    (-22.936522, 1.5275195, 72.566208),
    (-31.109295, 1.9404153, 95.952751),
    (-48.375599, 4.6012049, 67.085617),
    (-59.843365, 5.9568534, 93.948418),
    (-57.148232, 5.7935758, 110.97713),
    (-51.052166, 4.9937048, 125.02338),
    (-51.586624, 2.5471370, 72.120811),
    (-65.926834, 3.0671554, 98.404510),
    (-61.979191, 2.8341565, 116.10429),
    (-54.618130, 2.5274558, 129.17862),
    (-46.503471, 0.33559692, 73.062035),
    (-59.186893, 0.026649246, 96.192421),
    (-56.693432, -0.084625520, 112.05978),
    (-51.260197, 0.034378145, 123.81713),
    (-35.775276, -1.0368422, 70.583588),
    (-43.695080, -1.9620019, 88.694397),
    (-44.897186, -2.6101866, 101.19468),
    (-44.571526, -3.3564034, 111.80748),
)
BASELINE_JOINT_STD_MM = (
    (0.0, 0.0, 0.0),
    (17.266953, 44.075836, 14.078445),
    (24.261362, 65.793236, 18.580193),
    (25.479671, 74.18796, 19.767653),
    (30.458921, 80.729996, 23.553158),
    (21.826715, 45.61571, 18.80888),
    (26.570208, 54.434124, 19.955523),
    (30.757236, 60.084938, 23.375763),
    (35.174015, 64.042404, 31.206692),
    (21.586899, 28.31489, 16.090088),
    (29.26384, 35.83172, 18.48644),
    (35.396465, 40.93173, 26.987226),
    (40.40074, 45.358475, 37.419308),
    (20.73408, 21.591717, 14.190551),
    (28.290194, 27.946808, 18.350618),
    (34.42277, 31.388414, 28.024563),
    (39.819054, 35.205494, 38.80897),
    (19.79841, 29.38799, 14.820373),
    (26.476702, 34.7448, 20.027615),
    (31.811651, 37.06962, 27.742807),
    (36.893555, 38.98199, 36.001797),
)


CODEC_STATISTICS_NOTE = ('EgoExo4D baseline joint_mean / joint_std (mm), '
                         'added as head.codec buffers')


def baseline_codec_buffers(prefix: str = 'head.codec.'
                           ) -> Dict[str, torch.Tensor]:
    """``RootRelativeJointCodec`` buffers holding the baseline statistics."""
    return {
        prefix + 'mean': torch.tensor(BASELINE_JOINT_MEAN_MM),
        prefix + 'std': torch.tensor(BASELINE_JOINT_STD_MM),
        prefix + 'has_stats': torch.tensor(True),
    }


def convert_potter(state_dict: Dict[str, torch.Tensor]
                   ) -> Dict[str, torch.Tensor]:
    """Official baseline state dict -> egohands estimator state dict (with
    the codec statistics); raises ``CheckpointError`` on unknown keys."""
    converted, _ = apply_key_rules(state_dict, potter_rules(), 'state dict')
    converted.update(baseline_codec_buffers())
    return dict(converted)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """``tools/convert_checkpoint.py potter`` has no options of its own."""


def run(args: argparse.Namespace):
    """Convert ``args.src`` into ``args.dst``; returns the report.

    The key table converts the tensors; the baseline statistics are added
    as the codec's buffers.
    """
    return convert_file(
        args.src, args.dst, potter_rules(), converter=NAME,
        how_to_obtain=HOW_TO_OBTAIN, overwrite=args.force,
        post=lambda tensors: {**tensors, **baseline_codec_buffers()},
        extra_meta=dict(codec_statistics=CODEC_STATISTICS_NOTE))
