"""HP-ViT's released checkpoints (PCIE_EgoHandPose ``ViTFormer-Base.pt`` /
``ViTFormer-Large.pt``) -> an egohands ``TopdownHandEstimator``.

Source (seed_methods.md section 3.3): ``torch.save({'epoch', 'state_dict',
'optimizer_state_dict', 'val_loss', 'val_p_mpjpe'})`` of ``ViT_Pose_3D``,
optionally behind ``module.``: ``backbone.*`` is mmpretrain's
``VisionTransformer`` (a class token inside attention, ``layers.{i}``,
final ``ln1``), ``pose_3d_head.*`` the ``HandTransformer`` head
(``feature_mapping``, ``embedding``, a torch ``TransformerDecoder`` and the
readout ``pose_r_head``).

Target: ``configs/hpvit/hpvit-pcie_vit-b_1xb64-70e_egoexo4d-192x256.py``
and its ViT-L sibling (``vit-l_1xb16``):
``ViTBackbone(with_cls_token=True)`` (timm names under ``backbone.vit.``)
and ``JointQueryTransformerHead`` (the decoder keeps torch's names).

* The released model was trained on 192 x 256 (h x w) crops while its
  ``pos_embed`` is stored for the 16 x 12 patch grid of ``img_size=(256,
  192)``; mmpretrain resizes it (bicubic) to 12 x 16 at every forward. The
  converter does that resize once (``--grid``), so the converted model
  needs none.
* ``pose_r_head`` is (3, d) for the released MPJPE models; an RLE model
  (``queries='per_joint_rle'``) has (6, d): rows 0-2 are the location
  (egohands ``readout``), rows 3-5 the sigma logits (``sigma_readout``;
  both take ``sigmoid``, HP-ViT adds 1e-9). Such a checkpoint needs
  ``model.head.with_sigma=True``.
* The output space is the EgoExo4D baseline's z-scored wrist-relative mm,
  with the statistics of its dataset; they are written as the codec's
  buffers, as for POTTER.
"""
import argparse
from typing import Dict, List, Sequence

import torch

from egohands.checkpoint_converters.key_rules import KeyRule
from egohands.checkpoint_converters.potter import (CODEC_STATISTICS_NOTE,
                                                   baseline_codec_buffers)
from egohands.checkpoint_converters.writing import convert_file
from egohands.models.backbones.checkpoint_remap import (MMPRETRAIN_TO_TIMM,
                                                        resize_pos_embed)

NAME = 'pcie'
DESCRIPTION = ('HP-ViT / ViTFormer (KanokphanL/PCIE_EgoHandPose) '
               'ViTFormer-Base.pt / ViTFormer-Large.pt -> egohands checkpoint '
               'for configs/hpvit/hpvit-pcie_vit-{b_1xb64,l_1xb16}'
               '-70e_egoexo4d-192x256.py')
HOW_TO_OBTAIN = (
    'download ViTFormer-Base.pt (Google Drive '
    '1Wdye-g2KiC_0XcGy33tfgvWy8Y06ir-4) or ViTFormer-Large.pt (1wzHyKPU4Hym9GS48n42J5I-uoTin_QZv) linked in '
    'KanokphanL/PCIE_EgoHandPose README.md (model_zoo.md)')
#: patch grid of the released pos_embed (img_size (256, 192), patch 16)
OFFICIAL_GRID = (16, 12)
#: patch grid of the released model's inputs (192 x 256 crops)
INPUT_GRID = (12, 16)

_HEAD = r'pose_3d_head\.'
#: decoder layer parts, the same torch names on both sides
_DECODER_PARTS = (r'(?:self_attn|multihead_attn)\.(?:in_proj_weight|'
                  r'in_proj_bias|out_proj\.weight|out_proj\.bias)|'
                  r'(?:linear[12]|norm[123])\.(?:weight|bias)')
READOUT = 'pose_3d_head.pose_r_head.'


def pcie_rules() -> List[KeyRule]:
    """The key table: mmpretrain backbone -> ``backbone.vit.`` (timm
    names), head -> ``JointQueryTransformerHead``; the readout keeps a
    marker name until :func:`split_readout` places it."""
    rules = [KeyRule(r'backbone\.' + rule.pattern,
                     r'backbone.vit.' + rule.target)
             for rule in MMPRETRAIN_TO_TIMM]
    rules += [
        KeyRule(_HEAD + r'feature_mapping\.(weight|bias)',
                r'head.memory_proj.\1'),
        KeyRule(_HEAD + 'embedding', 'head.joint_queries'),
        KeyRule(_HEAD + rf'decoder\.layers\.(\d+)\.({_DECODER_PARTS})',
                r'head.decoder.layers.\1.\2'),
        KeyRule(_HEAD + r'pose_r_head\.(weight|bias)', READOUT + r'\1'),
    ]
    return rules


def split_readout(tensors: Dict[str, torch.Tensor]
                  ) -> Dict[str, torch.Tensor]:
    """``pose_r_head`` (3 or 6 rows) -> ``head.readout`` [+
    ``head.sigma_readout``] (module docstring)."""
    for part in ('weight', 'bias'):
        fused = tensors.pop(READOUT + part)
        tensors[f'head.readout.{part}'] = fused[:3].clone()
        if fused.shape[0] == 6:
            tensors[f'head.sigma_readout.{part}'] = fused[3:].clone()
        elif fused.shape[0] != 3:
            from egohands.utils.errors import CheckpointError
            raise CheckpointError(
                f'{READOUT}{part} has {fused.shape[0]} rows; HP-ViT readouts '
                "have 3 (queries='per_joint') or 6 ('per_joint_rle')")
    return tensors


def fit_grid(tensors: Dict[str, torch.Tensor],
             grid: Sequence[int]) -> Dict[str, torch.Tensor]:
    """Resize the patch part of ``pos_embed`` from :data:`OFFICIAL_GRID`
    to ``grid`` (bicubic, as mmpretrain at run time); the class slot
    stays."""
    pos_embed = tensors['backbone.vit.pos_embed']
    tensors['backbone.vit.pos_embed'] = torch.cat([
        pos_embed[:, :1],
        resize_pos_embed(pos_embed[:, 1:], OFFICIAL_GRID, tuple(grid))
    ], dim=1)
    return tensors


def convert_pcie(tensors: Dict[str, torch.Tensor],
                 grid: Sequence[int] = INPUT_GRID
                 ) -> Dict[str, torch.Tensor]:
    """Renamed tensors -> the written state dict: readout split, grid
    fitted, codec statistics added."""
    tensors = fit_grid(split_readout(dict(tensors)), grid)
    tensors.update(baseline_codec_buffers())
    return tensors


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``tools/convert_checkpoint.py pcie``."""
    parser.add_argument(
        '--grid', type=int, nargs=2, default=list(INPUT_GRID),
        metavar=('ROWS', 'COLS'),
        help='patch grid of the egohands model (default 12 16: the released '
        'model\'s 192 x 256 inputs)')


def run(args: argparse.Namespace):
    """Convert ``args.src`` into ``args.dst``; returns the report."""
    return convert_file(
        args.src, args.dst, pcie_rules(), converter=NAME,
        how_to_obtain=HOW_TO_OBTAIN, overwrite=args.force,
        post=lambda tensors: convert_pcie(tensors, args.grid),
        extra_meta=dict(codec_statistics=CODEC_STATISTICS_NOTE,
                        patch_grid=list(args.grid)))
