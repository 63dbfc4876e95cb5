"""WildHands' released checkpoint -> an egohands ``WildHandsEstimator``.

Source: ``wildhands.ckpt`` of the Google Drive folder that
``fetch_models.sh`` of ap229997/hands (branch ``demo``) downloads
(model_zoo.md), a PyTorch Lightning checkpoint whose ``state_dict`` keys
carry the ``model.`` prefix of the Lightning wrapper (seed_methods.md 2.4):
``model.backbone`` / ``model.hand_backbone`` (torchvision-style ResNet-50),
``model.feature_conv.{0,2,4,7}``, ``model.head_{r,l}.cam_init.{0,2,4}``,
``model.head_{r,l}.hmr_layer.refine.{0,3}`` and
``model.head_{r,l}.hmr_layer.decoders.{pose_6d,cam_t/wp,shape}``,
``model.grasp_classifier``, the MANO buffers ``model.mano_{r,l}.mano.*``
and ``mano_{r,l}.*``, and ArcticNet-SF's object heads ``head_o`` /
``arti_head`` that WildHands does not use.

Target: ``configs/wildhands/wildhands_resnet50_*`` (timm ResNet-50s: the
same module names under ``model.``; ``heads.right`` / ``heads.left``). The
MANO buffers are dropped (egohands reads MANO from ``data/mano``; the
licence forbids redistributing it), as are the object heads.
"""
import argparse
from typing import List

from egohands.checkpoint_converters.key_rules import KeyRule
from egohands.checkpoint_converters.writing import convert_file

NAME = 'wildhands'
DESCRIPTION = ('WildHands (ap229997/hands) Lightning checkpoint '
               'wildhands.ckpt -> egohands checkpoint for '
               'configs/wildhands/wildhands_resnet50_*')
HOW_TO_OBTAIN = (
    'run fetch_models.sh of https://github.com/ap229997/hands (branch demo) '
    'or download wildhands.ckpt from its Google Drive folder '
    '1vjqBPicZagi0Xx0c_ItzAlISaj-pCigG (model_zoo.md)')

#: official HMR readout name -> HMRMANOHead.decoders name
DECODERS = {'pose_6d': 'pose_6d', 'cam_t/wp': 'cam', 'shape': 'betas'}
SIDES = {'r': 'right', 'l': 'left'}
MANO_REASON = ('MANO buffers: egohands loads MANO from data/mano, never from '
               'checkpoints (MANO licence)')


def wildhands_rules() -> List[KeyRule]:
    """The full key table of the WildHands conversion."""
    rules = [
        KeyRule(r'model\.(backbone|hand_backbone)\.(.+)', r'\1.model.\2'),
        KeyRule(r'model\.feature_conv\.(\d+)\.(weight|bias)',
                r'feature_conv.\1.\2'),
        KeyRule(r'model\.grasp_classifier\.(\d+)\.(weight|bias)',
                r'grasp_classifier.\1.\2'),
    ]
    for short, side in SIDES.items():
        head = rf'model\.head_{short}\.'
        rules += [
            KeyRule(head + r'cam_init\.(\d+)\.(weight|bias)',
                    rf'heads.{side}.cam_init.\1.\2'),
            KeyRule(head + r'hmr_layer\.refine\.(\d+)\.(weight|bias)',
                    rf'heads.{side}.refine.\1.\2'),
        ]
        rules += [
            KeyRule(head + rf'hmr_layer\.decoders\.{source}\.(weight|bias)',
                    rf'heads.{side}.decoders.{target}.\1')
            for source, target in DECODERS.items()
        ]
    rules += [
        KeyRule(r'(model\.)?mano_[rl]\..+', None, MANO_REASON),
        KeyRule(r'.*(head_o|arti_head)\..+', None,
                "ArcticNet-SF's object heads, unused by WildHands"),
    ]
    return rules


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """``tools/convert_checkpoint.py wildhands`` has no extra options."""


def run(args: argparse.Namespace):
    """Convert ``args.src`` into ``args.dst``; returns the report."""
    return convert_file(args.src, args.dst, wildhands_rules(),
                        converter=NAME, how_to_obtain=HOW_TO_OBTAIN,
                        overwrite=args.force)
