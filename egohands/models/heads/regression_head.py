"""``RegressionHead``: global pooling + MLP regressing K x 3 joints in the
target space of a codec (the tiny estimator's head)."""
from typing import Dict, List, Optional, Sequence

import torch
from torch import nn

from egohands.codecs.base import BaseJointCodec
from egohands.datasets.metainfo import NUM_JOINTS
from egohands.models.heads.base_head import (BaseHandHead, Features,
                                             encode_ground_truth)
from egohands.registry import MODELS
from egohands.structures import HandDataSample


@MODELS.register_module()
class RegressionHead(BaseHandHead):
    """Average-pool the last feature map, then an MLP to (K, 3).

    Args:
        in_channels: channels of the last feature map.
        codec: config of the codec that owns the target space (e.g.
            ``RootRelativeJointCodec``); outputs are in its units.
        num_joints: K.
        hidden_dims: widths of the hidden layers of the MLP.
        loss: config of the loss on (pred, target, weight); default
            ``MPJPELoss``.
        init_cfg: mmengine weight-initialisation config.

    ``forward`` returns ``{'joints': (B, K, 3)}`` in codec space; ``predict``
    decodes them to wrist-relative mm (``pred_joints_absolute=False``).
    """

    def __init__(self,
                 in_channels: int,
                 codec: dict,
                 num_joints: int = NUM_JOINTS,
                 hidden_dims: Sequence[int] = (256, ),
                 loss: Optional[dict] = None,
                 init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.num_joints = num_joints
        self.codec: BaseJointCodec = MODELS.build(codec)
        self.loss_module = MODELS.build(loss or dict(type='MPJPELoss'))
        layers: List[nn.Module] = []
        previous = in_channels
        for width in hidden_dims:
            layers += [nn.Linear(previous, width), nn.ReLU(inplace=True)]
            previous = width
        layers.append(nn.Linear(previous, num_joints * 3))
        self.mlp = nn.Sequential(*layers)

    def forward(self, feats: Features) -> Dict[str, torch.Tensor]:
        pooled = feats[-1].mean(dim=(2, 3))
        joints = self.mlp(pooled).view(-1, self.num_joints, 3)
        return dict(joints=joints)

    def loss(self, feats: Features, data_samples: List[HandDataSample],
             train_cfg: Optional[dict] = None) -> Dict[str, torch.Tensor]:
        pred = self.forward(feats)['joints']
        encoded = encode_ground_truth(self.codec, data_samples, pred.device)
        return dict(loss_joints=self.loss_module(
            pred, encoded['targets'], encoded['target_weights']))

    def predict(self, feats: Features, data_samples: List[HandDataSample],
                test_cfg: Optional[dict] = None) -> List[Dict]:
        joints = self.codec.decode(self.forward(feats)['joints'])
        return [
            dict(pred_joints_3d=hand, pred_joints_absolute=False)
            for hand in joints
        ]
