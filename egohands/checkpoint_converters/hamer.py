"""HaMeR's released checkpoint -> an egohands ``TopdownHandEstimator``.

Source: ``_DATA/hamer_ckpts/checkpoints/hamer.ckpt`` of
``hamer_demo_data.tar.gz`` (model_zoo.md), a PyTorch Lightning checkpoint
whose ``state_dict`` has the prefixes ``backbone.`` (ViTPose-H),
``mano_head.`` (transformer decoder, readouts, mean parameters),
``discriminator.`` (adversarial prior), ``mano.`` (smplx MANO buffers) and
``initialized`` (seed_methods.md section 1.4).

Target: ``configs/hamer/*`` models: ``ViTPoseBackbone`` (same names) and
``MANOTransformerHead`` (own decoder names, table below). The MANO buffers
are dropped (egohands reads MANO from ``data/mano``; the licence forbids
redistributing it), as is Lightning's ``initialized`` flag; the
discriminator is dropped unless ``keep_discriminator`` (then the model needs
``loss_adversarial`` in its head).
"""
import argparse
from typing import List, Tuple

from egohands.checkpoint_converters.key_rules import KeyRule, prefixed_rules
from egohands.checkpoint_converters.writing import convert_file

NAME = 'hamer'
DESCRIPTION = ('HaMeR (geopavlakos/hamer) Lightning checkpoint hamer.ckpt '
               '-> egohands checkpoint for configs/hamer/*')
HOW_TO_OBTAIN = (
    'download hamer_demo_data.tar.gz (https://www.cs.utexas.edu/~pavlakos/'
    'hamer/data/hamer_demo_data.tar.gz, ~5.7 GB), extract it and use '
    '_DATA/hamer_ckpts/checkpoints/hamer.ckpt (model_zoo.md)')

_DECODER = r'mano_head\.transformer\.transformer\.layers\.(\d+)'
_TARGET = r'head.decoder.layers.\1'

#: official decoder sub-module -> egohands sub-module, per layer
_DECODER_PARTS: Tuple[Tuple[str, str], ...] = (
    (r'0\.norm\.(weight|bias)', r'self_attn.norm.\2'),
    (r'0\.fn\.to_qkv\.weight', r'self_attn.qkv.weight'),
    (r'0\.fn\.to_out\.0\.(weight|bias)', r'self_attn.out.\2'),
    (r'1\.norm\.(weight|bias)', r'cross_attn.norm.\2'),
    (r'1\.fn\.to_q\.weight', r'cross_attn.q.weight'),
    (r'1\.fn\.to_kv\.weight', r'cross_attn.kv.weight'),
    (r'1\.fn\.to_out\.0\.(weight|bias)', r'cross_attn.out.\2'),
    (r'2\.norm\.(weight|bias)', r'ffn.norm.\2'),
    (r'2\.fn\.net\.0\.(weight|bias)', r'ffn.fc1.\2'),
    (r'2\.fn\.net\.3\.(weight|bias)', r'ffn.fc2.\2'),
)

#: official discriminator names -> ``HandPoseDiscriminator`` names
_DISCRIMINATOR_PARTS: Tuple[Tuple[str, str], ...] = (
    (r'D_conv1\.(weight|bias)', r'joint_conv1.\1'),
    (r'D_conv2\.(weight|bias)', r'joint_conv2.\1'),
    (r'pose_out\.(\d+)\.(weight|bias)', r'joint_scores.\1.\2'),
    (r'betas_fc1\.(weight|bias)', r'betas_fc1.\1'),
    (r'betas_fc2\.(weight|bias)', r'betas_fc2.\1'),
    (r'betas_out\.(weight|bias)', r'betas_score.\1'),
    (r'D_alljoints_fc1\.(weight|bias)', r'pose_fc1.\1'),
    (r'D_alljoints_fc2\.(weight|bias)', r'pose_fc2.\1'),
    (r'D_alljoints_out\.(weight|bias)', r'pose_score.\1'),
)
DISCRIMINATOR_PREFIX = 'head.loss_adversarial.discriminator.'
DROP_DISCRIMINATOR = ('discriminator (training only; --keep-discriminator '
                      'keeps it for a head with loss_adversarial)')


def hamer_rules(keep_discriminator: bool = False) -> List[KeyRule]:
    """The full key table of the HaMeR conversion."""
    rules = [
        KeyRule(r'backbone\.(.+)', r'backbone.\1'),
        KeyRule(r'mano_head\.(init_hand_pose|init_betas|init_cam)',
                r'head.\1'),
        KeyRule(r'mano_head\.transformer\.to_token_embedding\.'
                r'(weight|bias)', r'head.query_embed.\1'),
        KeyRule(r'mano_head\.transformer\.pos_embedding', 'head.query_pos'),
    ]
    rules += prefixed_rules(rf'{_DECODER}\.', rf'{_TARGET}.', _DECODER_PARTS)
    rules.append(KeyRule(r'mano_head\.(decpose|decshape|deccam)\.'
                         r'(weight|bias)', r'head.\1.\2'))
    if keep_discriminator:
        rules += prefixed_rules(r'discriminator\.', DISCRIMINATOR_PREFIX,
                                _DISCRIMINATOR_PARTS)
    else:
        rules.append(KeyRule(r'discriminator\..+', None, DROP_DISCRIMINATOR))
    rules += [
        KeyRule(r'mano\..+', None, 'MANO buffers: egohands loads MANO from '
                'data/mano, never from checkpoints (MANO licence)'),
        KeyRule(r'initialized', None, 'Lightning ActNorm flag, unused'),
    ]
    return rules


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``tools/convert_checkpoint.py hamer``."""
    parser.add_argument(
        '--keep-discriminator', action='store_true',
        help='keep the adversarial discriminator (for fine-tuning with '
        'loss_adversarial in the head)')


def run(args: argparse.Namespace):
    """Convert ``args.src`` into ``args.dst``; returns the report."""
    return convert_file(args.src, args.dst,
                        hamer_rules(args.keep_discriminator),
                        converter=NAME, how_to_obtain=HOW_TO_OBTAIN,
                        overwrite=args.force)
