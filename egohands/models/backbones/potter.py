"""``POTTERBackbone``: POTTER's pooling-attention network with its
high-resolution stream, as in the EgoExo4D hand-pose baseline.

The baseline's ``PoolAttnFormer_hr`` (EGO4D/ego-exo4d-egopose,
``handpose/models/POTTER``; docs/potter.md):

* a PoolAttnFormer with four stages (s12: depths 2, 2, 6, 2; widths 64, 128,
  320, 512; MLP ratio 4): stem conv 7x7 stride 4 padding 2, a conv 3x3
  stride 2 between stages; each stage's output is normalised (GroupNorm, one
  group), giving maps at 1/4, 1/8, 1/16 and 1/32 of the input;
* a high-resolution stream at 1/4: stage ``k`` (k = 2, 3, 4) is brought to
  1/4 by ``k - 1`` nearest-x2 + conv 3x3 up-samplings (GroupNorm after all
  but the last) and added to the stream, which then runs its own pooling
  blocks (depths 2, 2, 4; MLP ratios 2, 2, 4; width of stage 1);
* the stream's output is normalised (the feature of the hand head), and so
  is the last stage's (kept for checkpoint compatibility and other heads).

Stochastic depth rises linearly over the main stages' blocks to
``drop_path_rate`` and over each stream stage's blocks from 0 to it.
Official parameter names map through the key tables of
:mod:`egohands.checkpoint_converters.potter`.
"""
from typing import Dict, List, Mapping, Optional, Sequence, Tuple, Union

import torch
from mmengine.model import BaseModule
from torch import nn

from egohands.checkpoint_converters.key_rules import apply_key_rules
from egohands.checkpoint_converters.loading import LoadReport, load_pretrained
from egohands.models.backbones.pool_attention import (EMBED_GROUPS,
                                                      PoolAttnBlock,
                                                      UpsampleConv,
                                                      channel_norm)
from egohands.registry import MODELS
from egohands.utils.errors import ConfigError


@MODELS.register_module()
class POTTERBackbone(BaseModule):
    """PoolAttnFormer + high-resolution stream (POTTER, EgoExo4D baseline).

    Args:
        depths: blocks of each main stage (s12: 2, 2, 6, 2).
        dims: channels of each stage, multiples of 32 (s12: 64, 128, 320,
            512).
        mlp_ratios: MLP width ratio of each main stage (s12: 4, 4, 4, 4).
        hr_depths: blocks of the stream after fusing stage 2, 3, 4 (2, 2, 4).
        hr_mlp_ratios: their MLP ratios (2, 2, 4).
        drop_rate: dropout inside the MLPs (baseline: 0.1).
        drop_path_rate: largest stochastic-depth rate (baseline: 0.1).
        layer_scale_init: initial layer scale of every block (1e-5).
        pretrained: local ImageNet POTTER_cls checkpoint (``cls_s12.pth``,
            the baseline's initialisation of the main stages) loaded by
            :meth:`init_weights`.
        init_cfg: mmengine init config.

    Input (B, 3, H, W) with H, W multiples of 32 (baseline 224 x 224).
    Output ``(hr, low)``: ``hr`` (B, dims[0], H/4, W/4), the normalised
    high-resolution stream (what the POTTER hand head reads, index 0), and
    ``low`` (B, dims[-1], H/32, W/32), the normalised last stage;
    ``out_channels`` is ``[dims[0], dims[-1]]``.
    """

    def __init__(self,
                 depths: Sequence[int] = (2, 2, 6, 2),
                 dims: Sequence[int] = (64, 128, 320, 512),
                 mlp_ratios: Sequence[float] = (4, 4, 4, 4),
                 hr_depths: Sequence[int] = (2, 2, 4),
                 hr_mlp_ratios: Sequence[float] = (2, 2, 4),
                 drop_rate: float = 0.1,
                 drop_path_rate: float = 0.1,
                 layer_scale_init: float = 1e-5,
                 pretrained: Optional[str] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        depths, dims = list(depths), list(dims)
        _check_arch(depths, dims, mlp_ratios, hr_depths, hr_mlp_ratios)
        self.dims = dims
        self.out_channels = [dims[0], dims[-1]]  # of (hr, low)
        self.pretrained = pretrained

        def blocks(dim, ratio, rates):
            return nn.Sequential(*[
                PoolAttnBlock(dim, ratio, drop_rate, rate, layer_scale_init)
                for rate in rates
            ])

        total = sum(depths)
        rates = [drop_path_rate * i / max(total - 1, 1) for i in range(total)]
        self.stem = nn.Conv2d(3, dims[0], 7, stride=4, padding=2)
        self.stages = nn.ModuleList()
        self.downsamples = nn.ModuleList()
        self.stage_norms = nn.ModuleList()
        for index, depth in enumerate(depths):
            start = sum(depths[:index])
            self.stages.append(blocks(dims[index], mlp_ratios[index],
                                      rates[start:start + depth]))
            self.stage_norms.append(channel_norm(dims[index]))
            if index + 1 < len(depths):
                self.downsamples.append(
                    nn.Conv2d(dims[index], dims[index + 1], 3, stride=2,
                              padding=1))

        self.hr_upsamplers = nn.ModuleList()
        self.hr_stages = nn.ModuleList()
        for level, (depth, ratio) in enumerate(zip(hr_depths, hr_mlp_ratios),
                                               start=1):
            # stage `level` -> ... -> stage 0 width, one x2 step per level
            steps = [
                UpsampleConv(dims[i], dims[i - 1], with_norm=i > 1)
                for i in range(level, 0, -1)
            ]
            self.hr_upsamplers.append(nn.Sequential(*steps))
            self.hr_stages.append(blocks(
                dims[0], ratio,
                torch.linspace(0, drop_path_rate, depth).tolist()))
        self.hr_norm = channel_norm(dims[0])
        self.low_res_norm = channel_norm(dims[-1])
        self._init_from_scratch()

    def _init_from_scratch(self) -> None:
        """Truncated-normal (std 0.02) conv weights and zero biases."""
        for module in self.modules():
            if isinstance(module, nn.Conv2d):
                nn.init.trunc_normal_(module.weight, std=0.02)
                nn.init.zeros_(module.bias)

    def forward(self, images: torch.Tensor
                ) -> Tuple[torch.Tensor, torch.Tensor]:
        height, width = images.shape[-2:]
        factor = 2**(len(self.dims) + 1)
        if height % factor or width % factor:
            raise ConfigError(
                f'POTTERBackbone: input {height}x{width} px is not a multiple '
                f'of {factor} (the high-resolution stream up-samples the '
                f'last stage back to 1/4); set TopdownAffine input_size to '
                f'multiples of {factor}, e.g. 224 x 224')
        x = self.stem(images)
        stage_outputs: List[torch.Tensor] = []
        for index, stage in enumerate(self.stages):
            if index:
                x = self.downsamples[index - 1](x)
            x = stage(x)
            stage_outputs.append(self.stage_norms[index](x))
        stream = stage_outputs[0]
        for level, (upsample, blocks) in enumerate(
                zip(self.hr_upsamplers, self.hr_stages), start=1):
            stream = blocks(upsample(stage_outputs[level]) + stream)
        return self.hr_norm(stream), self.low_res_norm(stage_outputs[-1])

    def load_checkpoint(self, checkpoint: Union[str, Mapping]) -> LoadReport:
        """Load POTTER_cls ImageNet weights (path or state dict) through
        :meth:`checkpoint_filter`; the stage norms and the high-resolution
        stream keep their initial values. The report (also logged) lists
        what was missing or mismatched. The EgoExo4D baseline is converted
        with ``tools/convert_checkpoint.py potter`` and loaded with
        ``load_from``.
        """
        from egohands.checkpoint_converters.potter import \
            IMAGENET_HOW_TO_OBTAIN
        return load_pretrained(self, checkpoint, self.checkpoint_filter,
                               prefix=None,
                               how_to_obtain=IMAGENET_HOW_TO_OBTAIN)

    def checkpoint_filter(self, state_dict: Mapping[str, torch.Tensor],
                          model: nn.Module) -> Tuple[Dict, str]:
        """POTTER_cls tensors -> this backbone's names, by the converter's
        table (:func:`egohands.checkpoint_converters.potter.
        imagenet_backbone_rules`; the classifier is dropped)."""
        from egohands.checkpoint_converters.potter import \
            imagenet_backbone_rules
        if any(key.startswith('poolattnformer_pose.') for key in state_dict):
            raise ConfigError(
                'the checkpoint is an EgoExo4D POTTER hand checkpoint, not '
                'the ImageNet POTTER_cls weights: convert it with python '
                'tools/convert_checkpoint.py potter SRC DST and set '
                'load_from=DST (model.backbone.pretrained=None)')
        tensors, _ = apply_key_rules(
            state_dict, imagenet_backbone_rules(len(self.dims)), 'POTTER_cls')
        return tensors, 'potter_cls'

    def init_weights(self) -> None:
        """The from-scratch init (done at build), then ``pretrained``."""
        super().init_weights()
        if self.pretrained:
            self.load_checkpoint(self.pretrained)


def _check_arch(depths, dims, mlp_ratios, hr_depths, hr_mlp_ratios) -> None:
    if len(depths) < 2 or len(dims) != len(depths) or \
            len(mlp_ratios) != len(depths):
        raise ConfigError(
            'POTTERBackbone: depths, dims and mlp_ratios need one entry per '
            f'stage (at least 2), got {len(depths)}, {len(dims)}, '
            f'{len(mlp_ratios)}')
    if len(hr_depths) != len(depths) - 1 or \
            len(hr_mlp_ratios) != len(depths) - 1:
        raise ConfigError(
            'POTTERBackbone: hr_depths and hr_mlp_ratios need one entry per '
            f'stage after the first ({len(depths) - 1}), got '
            f'{len(hr_depths)} and {len(hr_mlp_ratios)}')
    odd = [d for d in dims if d % EMBED_GROUPS]
    if odd:
        raise ConfigError(
            f'POTTERBackbone: dims {odd} are not multiples of '
            f'{EMBED_GROUPS} (pooling attention groups channels by '
            f'{EMBED_GROUPS})')
