"""``JointQueryTransformerHead``: HP-ViT's transformer decoder head.

One learned query per joint attends to the backbone's patch tokens through a
pre-norm transformer decoder; a linear readout gives each joint's 3
coordinates in the codec's (z-scored, wrist-relative) space (HP-ViT,
arXiv:2406.12219; docs/hpvit.md). With ``with_sigma=True`` a second
readout predicts a per-coordinate standard deviation for the RLE loss.

With ``side_conditioned=True`` a learned embedding of the side the hand
looks like in the input (``egohands.geometry.apparent_hand_side``) is added
to every query. Benchmarks give the side with each box, and without it a
left hand seen from the back and a right hand seen from the palm can have
the same silhouette (what it changed on EgoSynth: docs/hpvit.md).
"""
import inspect
from typing import Dict, List, Optional

import torch
from torch import nn

from egohands.codecs.base import BaseJointCodec
from egohands.datasets.metainfo import NUM_JOINTS
from egohands.geometry.flip import apparent_hand_side
from egohands.models.heads.base_head import (BaseHandHead, Features,
                                             stack_field)
from egohands.registry import MODELS
from egohands.structures import HandDataSample
from egohands.utils.errors import ConfigError


def _takes_sigma(loss: nn.Module) -> bool:
    return 'sigma' in inspect.signature(loss.forward).parameters


@MODELS.register_module()
class JointQueryTransformerHead(BaseHandHead):
    """Joint queries + transformer decoder over patch tokens -> (K, 3).

    Args:
        in_channels: C, channels of the backbone feature map.
        codec: config of the codec owning the target space (e.g.
            ``RootRelativeJointCodec``).
        num_joints: K, one query per joint.
        embed_dim: d, decoder width (HP-ViT: 768 / 1024 / 1280).
        depth: number of decoder layers (HP-ViT: 6 / 12 / 12).
        num_heads: attention heads; default ``d // 64``.
        ffn_ratio: feed-forward width as a multiple of d.
        dropout: dropout inside the decoder layers (torch's default 0.1).
        with_sigma: also predict a per-coordinate standard deviation
            (codec units, via a sigmoid) for ``RLELoss``.
        loss: config of the loss; ``MPJPELoss`` by default, ``RLELoss``
            with ``with_sigma=True``.
        side_conditioned: add a learned left/right embedding to the
            queries (the apparent side of each input, see above).

    Linear layers start from N(0, 0.01) weights and zero biases (as
    HP-ViT), so the untrained head predicts about the mean pose.
    ``forward`` returns ``{'joints': (B, K, 3)}`` in codec units, plus
    ``'sigma': (B, K, 3)`` with ``with_sigma``. ``mu`` and ``sigma`` have
    separate readouts so that an MPJPE-trained checkpoint initialises the
    whole location branch of an RLE fine-tune.
    """

    def __init__(self,
                 in_channels: int,
                 codec: dict,
                 num_joints: int = NUM_JOINTS,
                 embed_dim: int = 768,
                 depth: int = 6,
                 num_heads: Optional[int] = None,
                 ffn_ratio: float = 4.0,
                 dropout: float = 0.1,
                 with_sigma: bool = False,
                 loss: Optional[dict] = None,
                 side_conditioned: bool = False,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        num_heads = num_heads or max(1, embed_dim // 64)
        if embed_dim % num_heads:
            raise ConfigError(
                f'JointQueryTransformerHead: embed_dim={embed_dim} is not a '
                f'multiple of num_heads={num_heads}')
        self.num_joints = num_joints
        self.with_sigma = with_sigma
        self.memory_proj = nn.Linear(in_channels, embed_dim)
        self.joint_queries = nn.Parameter(torch.randn(num_joints, embed_dim))
        # row 0: looks like a right hand, row 1: looks like a left hand
        self.side_embedding = nn.Parameter(torch.zeros(
            2, embed_dim)) if side_conditioned else None
        layer = nn.TransformerDecoderLayer(
            embed_dim, num_heads, dim_feedforward=int(ffn_ratio * embed_dim),
            dropout=dropout, norm_first=True, batch_first=True)
        self.decoder = nn.TransformerDecoder(layer, num_layers=depth)
        self.readout = nn.Linear(embed_dim, 3)
        self.sigma_readout = nn.Linear(embed_dim, 3) if with_sigma else None
        for module in self.modules():
            if isinstance(module, nn.Linear):
                nn.init.normal_(module.weight, std=0.01)
                nn.init.zeros_(module.bias)
        self.codec: BaseJointCodec = MODELS.build(codec)
        self.loss_module = MODELS.build(loss or dict(type='MPJPELoss'))
        if _takes_sigma(self.loss_module) != with_sigma:
            raise ConfigError(
                'JointQueryTransformerHead: loss '
                f'{type(self.loss_module).__name__} ' +
                ('takes a sigma: set with_sigma=True' if not with_sigma else
                 'takes no sigma: use RLELoss with with_sigma=True'))

    def forward(self, feats: Features,
                looks_left: Optional[torch.Tensor] = None
                ) -> Dict[str, torch.Tensor]:
        """Last feature (B, C, h, w) or tokens (B, N, C) -> dict of
        ``joints`` (B, K, 3) [and ``sigma`` (B, K, 3)] in codec units.

        ``looks_left`` (B,) bool, needed with ``side_conditioned``: whether
        each input shows a left-looking hand (:meth:`looks_left`)."""
        tokens = feats[-1] if isinstance(feats, (tuple, list)) else feats
        if tokens.dim() == 4:
            tokens = tokens.flatten(2).transpose(1, 2)
        memory = self.memory_proj(tokens)
        queries = self.joint_queries.unsqueeze(0).expand(
            memory.shape[0], -1, -1)
        if self.side_embedding is not None:
            if looks_left is None:
                raise ConfigError(
                    'JointQueryTransformerHead(side_conditioned=True) needs '
                    'the hand side of every input (metainfo hand_side)')
            queries = queries + self.side_embedding[
                looks_left.long()].unsqueeze(1)
        decoded = self.decoder(queries, memory)
        out = dict(joints=self.readout(decoded))
        if self.sigma_readout is not None:
            out['sigma'] = torch.sigmoid(self.sigma_readout(decoded))
        return out

    def looks_left(self, data_samples: List[HandDataSample],
                   device: torch.device) -> Optional[torch.Tensor]:
        """(B,) bool apparent sides of the inputs, or None when the head is
        not side-conditioned."""
        if self.side_embedding is None:
            return None
        sides = []
        for sample in data_samples:
            side = sample.metainfo.get('hand_side')
            if side not in ('left', 'right'):
                raise ConfigError(
                    'JointQueryTransformerHead(side_conditioned=True): sample '
                    f'{sample.metainfo.get("img_path", "?")} has hand_side '
                    f'{side!r}; the dataset must give each hand its side')
            flip = sample.metainfo.get('flip', 'none') or 'none'
            sides.append(apparent_hand_side(side, flip) == 'left')
        return torch.tensor(sides, dtype=torch.bool, device=device)

    def loss(self, feats: Features, data_samples: List[HandDataSample],
             train_cfg: Optional[dict] = None) -> Dict[str, torch.Tensor]:
        out = self.forward(feats, self.looks_left(data_samples,
                                                  self.readout.weight.device))
        pred = out['joints']
        encoded = self.codec.encode(
            stack_field(data_samples, 'gt_joints_3d', pred.device),
            stack_field(data_samples, 'gt_joints_valid', pred.device))
        weights = encoded['target_weights']
        if not self.with_sigma:
            return dict(loss_joints=self.loss_module(
                pred, encoded['targets'], weights))
        root = getattr(self.codec, 'root_index', None)
        if root is not None:
            # the root is the origin by construction: its likelihood would
            # grow without bound as sigma -> 0
            weights = weights.clone()
            weights[:, root] = 0
        return dict(loss_joints=self.loss_module(pred, out['sigma'],
                                                 encoded['targets'], weights))

    def predict(self, feats: Features, data_samples: List[HandDataSample],
                test_cfg: Optional[dict] = None) -> List[Dict]:
        """Wrist-relative joints (K, 3) in mm, input camera frame; with
        ``with_sigma`` also ``pred_joints_3d_std`` (K, 3) in mm."""
        out = self.forward(feats, self.looks_left(data_samples,
                                                  self.readout.weight.device))
        joints = self.codec.decode(out['joints'])
        preds = [dict(pred_joints_3d=hand, pred_joints_absolute=False)
                 for hand in joints]
        if self.with_sigma:
            # first-order propagation through the codec (exact for the
            # affine z-score)
            std = (self.codec.decode(out['joints'] + out['sigma']) -
                   joints).abs()
            for pred, hand_std in zip(preds, std):
                pred['pred_joints_3d_std'] = hand_std
        return preds
