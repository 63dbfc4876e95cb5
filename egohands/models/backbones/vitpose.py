"""``ViTPoseBackbone``: the ViTPose-style ViT that HaMeR uses.

It differs from ``ViTBackbone`` (timm's ViT) in three ways that matter for
HaMeR's released weights, so it is its own module with ViTPose's parameter
names (``patch_embed.proj``, ``pos_embed``, ``blocks.{i}``, ``last_norm``):

* the patch embedding is a ``Conv2d(3, C, 16, stride 16, padding 2)``: on a
  256 x 192 input it still gives a 16 x 12 grid, but each patch sees a
  window shifted by 2 px;
* ``pos_embed`` is (1, 1 + N, C) although there is no cls token: its first
  slot is added to every patch (``x + pos_embed[:, 1:] + pos_embed[:, :1]``);
* HaMeR feeds it the central 256 x 192 of a 256 x 256 crop
  (``x[:, :, :, 32:-32]``); with ``center_crop_input=True`` a wider input is
  cut the same way here, so the data pipeline keeps the square crop that
  the head's camera model is defined on.

The blocks are timm's pre-norm ``Block`` (qkv bias, LayerNorm eps 1e-6,
GELU MLP of ratio 4, linearly increasing drop path), whose parameter names
are ViTPose's. ViTPose / mmpretrain / timm checkpoints load through the
table-driven remapping of :mod:`egohands.models.backbones.checkpoint_remap`.
"""
from functools import partial
from typing import Dict, Mapping, Optional, Sequence, Tuple, Union

import torch
from mmengine.model import BaseModule
from torch import nn

from egohands.checkpoint_converters.key_rules import (KEEP_OTHER_KEYS,
                                                      KeyRule,
                                                      apply_key_rules)
from egohands.checkpoint_converters.loading import LoadReport, load_pretrained
from egohands.models.backbones.checkpoint_remap import (
    PRETRAINED_HOW_TO_OBTAIN, convert_vit_state_dict)
from egohands.models.backbones.vit import _resolve_arch
from egohands.registry import MODELS
from egohands.utils.errors import ConfigError


#: timm names -> this backbone's names
TIMM_TO_VITPOSE = (KeyRule(r'norm\.(.+)', r'last_norm.\1'), KEEP_OTHER_KEYS)


class PaddedPatchEmbed(nn.Module):
    """Conv patch embedding with padding (ViTPose): image -> (B, N, C)."""

    def __init__(self, embed_dim: int, patch_size: int, padding: int) -> None:
        super().__init__()
        self.proj = nn.Conv2d(3, embed_dim, kernel_size=patch_size,
                              stride=patch_size, padding=padding)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.proj(images).flatten(2).transpose(1, 2)


@MODELS.register_module()
class ViTPoseBackbone(BaseModule):
    """ViTPose-style ViT returning its normalised patch tokens as a map.

    Args:
        arch: ``'tiny'``, ``'small'``, ``'base'``, ``'large'``, ``'huge'``
            (HaMeR: huge = 1280-d, 32 blocks, 16 heads) or a dict with
            ``embed_dim``, ``depth``, ``num_heads``.
        img_size: (h, w) seen by the blocks, px (HaMeR: (256, 192)).
        patch_size: side of the square patches, px.
        patch_padding: zero padding of the patch convolution, px (ViTPose:
            2). The grid must stay ``img_size / patch_size``.
        depth: number of blocks, overriding the arch (small CPU models).
        mlp_ratio: MLP width as a multiple of the embedding width.
        drop_path_rate: stochastic depth of the last block (linear ramp
            from 0; HaMeR: 0.55).
        center_crop_input: cut a wider input to its central ``img_size[1]``
            columns (HaMeR: 256 x 256 -> 256 x 192).
        pretrained: local checkpoint loaded by :meth:`init_weights`.
        checkpoint_key_style: ``'vitpose'``, ``'mmpretrain'``, ``'timm'`` or
            None to detect it.
        strict_load: raise if any key is missing, unexpected or mismatched.
        init_cfg: mmengine init config.

    Input (B, 3, h, w) float image, ``h == img_size[0]`` and ``w`` equal to
    ``img_size[1]`` (or wider with ``center_crop_input``). Output: a 1-tuple
    with the (B, C, h / patch, img_size[1] / patch) feature map;
    ``out_channels`` is ``[C]`` (heads without ``in_channels`` take it).
    """

    def __init__(self,
                 arch: Union[str, Mapping[str, int]] = 'huge',
                 img_size: Sequence[int] = (256, 192),
                 patch_size: int = 16,
                 patch_padding: int = 2,
                 depth: Optional[int] = None,
                 mlp_ratio: float = 4.0,
                 drop_path_rate: float = 0.0,
                 center_crop_input: bool = True,
                 pretrained: Optional[str] = None,
                 checkpoint_key_style: Optional[str] = None,
                 strict_load: bool = False,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        from timm.models.vision_transformer import Block
        arch_cfg = _resolve_arch(arch)
        if depth is not None:
            arch_cfg['depth'] = int(depth)
        self.img_size = tuple(int(v) for v in img_size)
        grid = tuple((side + 2 * patch_padding - patch_size) // patch_size + 1
                     for side in self.img_size)
        if len(self.img_size) != 2 or grid != tuple(
                side // patch_size for side in self.img_size) or any(
                    side % patch_size for side in self.img_size):
            raise ConfigError(
                f'model.backbone: img_size={self.img_size} with patch_size='
                f'{patch_size} and patch_padding={patch_padding} gives a '
                f'{grid} grid; use (h, w) multiples of patch_size and a '
                'padding below patch_size / 2')
        self.grid_size = grid
        self.patch_size = patch_size
        self.embed_dim = arch_cfg['embed_dim']
        self.out_channels = [self.embed_dim]
        self.num_layers = arch_cfg['depth']
        self.center_crop_input = center_crop_input
        self.pretrained = pretrained
        self.checkpoint_key_style = checkpoint_key_style
        self.strict_load = strict_load
        self.patch_embed = PaddedPatchEmbed(self.embed_dim, patch_size,
                                            patch_padding)
        self.pos_embed = nn.Parameter(
            torch.zeros(1, 1 + grid[0] * grid[1], self.embed_dim))
        steps = max(self.num_layers - 1, 1)
        rates = [drop_path_rate * i / steps for i in range(self.num_layers)]
        norm = partial(nn.LayerNorm, eps=1e-6)
        self.blocks = nn.ModuleList([
            Block(self.embed_dim, arch_cfg['num_heads'], mlp_ratio=mlp_ratio,
                  qkv_bias=True, drop_path=rate, norm_layer=norm)
            for rate in rates
        ])
        self.last_norm = norm(self.embed_dim)
        self._reset_parameters()

    def _reset_parameters(self) -> None:
        nn.init.trunc_normal_(self.pos_embed, std=0.02)
        for module in self.modules():
            if isinstance(module, nn.Linear):
                nn.init.trunc_normal_(module.weight, std=0.02)
                if module.bias is not None:
                    nn.init.zeros_(module.bias)

    def _fit_input(self, inputs: torch.Tensor) -> torch.Tensor:
        height, width = inputs.shape[-2:]
        want_h, want_w = self.img_size
        if height == want_h and width > want_w and self.center_crop_input \
                and (width - want_w) % 2 == 0:
            margin = (width - want_w) // 2
            return inputs[..., margin:margin + want_w]
        if (height, width) != self.img_size:
            raise ConfigError(
                f'ViTPoseBackbone got inputs of (h, w)={(height, width)} but '
                f'was built for img_size={self.img_size} (center_crop_input='
                f'{self.center_crop_input}): the crop must be {want_h} high '
                f'and {want_w} wide, or wider by an even number of px with '
                'center_crop_input=True')
        return inputs

    def forward(self, inputs: torch.Tensor) -> Tuple[torch.Tensor]:
        """(B, 3, h, w) image -> ((B, C, grid_h, grid_w),)."""
        tokens = self.patch_embed(self._fit_input(inputs))
        tokens = tokens + self.pos_embed[:, 1:] + self.pos_embed[:, :1]
        for block in self.blocks:
            tokens = block(tokens)
        tokens = self.last_norm(tokens)
        return (tokens.transpose(1, 2).reshape(tokens.shape[0],
                                               self.embed_dim,
                                               *self.grid_size), )

    def load_checkpoint(self, checkpoint: Union[str, Mapping]) -> LoadReport:
        """Load a ViTPose / mmpretrain / timm checkpoint (path or dict)
        through :meth:`checkpoint_filter`; returns the (logged) report."""
        return load_pretrained(self, checkpoint, self.checkpoint_filter,
                               strict=self.strict_load,
                               how_to_obtain=PRETRAINED_HOW_TO_OBTAIN)

    def checkpoint_filter(self, state_dict: Mapping[str, torch.Tensor],
                          model: nn.Module) -> Tuple[Dict, str]:
        """Tensors of any ViT key style -> this backbone's names.

        The shared remapping renames the keys to timm's and fits
        ``pos_embed`` to this grid with each style's meaning of the first
        slot (ViTPose: added to every patch, folded in; mmpretrain: a cls
        position, dropped). The folded (1, N, C) result is stored as
        ``pos_embed[:, 1:]`` after a zero slot, which gives the same
        forward; timm's ``norm`` is ``last_norm`` here.
        """
        converted, style = convert_vit_state_dict(
            state_dict, self.grid_size, 0,
            key_style=self.checkpoint_key_style)
        converted, _ = apply_key_rules(converted, TIMM_TO_VITPOSE, style.name)
        if 'pos_embed' in converted:
            folded = converted['pos_embed']
            converted['pos_embed'] = torch.cat(
                [torch.zeros_like(folded[:, :1]), folded], dim=1)
        return converted, style.name

    def init_weights(self) -> None:
        """Random init (done at build), then ``pretrained`` if set."""
        super().init_weights()
        if self.pretrained:
            self.load_checkpoint(self.pretrained)
