"""``ViTBackbone``: a plain vision transformer (timm) that returns patch tokens.

HP-ViT (and ViTPose, HaMeR) use a ViT over a non-square 256x192 (h x w) crop
with 16-pixel patches, read its patch tokens as a (B, C, 16, 12) feature map
and drop the classification machinery. Sizes follow the usual ViT family;
``tiny`` and ``small`` (optionally with fewer blocks) are for CPU demos.

Pretrained weights come from local ViTPose / mmpretrain / timm checkpoints,
converted by :mod:`egohands.models.backbones.checkpoint_remap`.

``stem='conv'`` replaces the one-layer patchify stem by a few stride-2 3x3
convolutions with the same output grid (Xiao et al., "Early convolutions
help transformers see better", 2021): a ViT trained from scratch on a few
thousand crops, as on the CPU, learns much faster with it. Pretrained
patch-embedding weights do not fit that stem (the load report says so).
"""
from typing import Dict, Mapping, Optional, Sequence, Tuple, Union

import torch
from mmengine.model import BaseModule
from torch import nn

from egohands.checkpoint_converters.loading import LoadReport, load_pretrained
from egohands.models.backbones.checkpoint_remap import (
    PRETRAINED_HOW_TO_OBTAIN, convert_vit_state_dict)
from egohands.registry import MODELS
from egohands.utils.errors import ConfigError

#: embed_dim, depth, num_heads of the standard ViT sizes
VIT_ARCHS: Dict[str, Dict[str, int]] = {
    'tiny': dict(embed_dim=192, depth=12, num_heads=3),
    'small': dict(embed_dim=384, depth=12, num_heads=6),
    'base': dict(embed_dim=768, depth=12, num_heads=12),
    'large': dict(embed_dim=1024, depth=24, num_heads=16),
    'huge': dict(embed_dim=1280, depth=32, num_heads=16),
}


@MODELS.register_module()
class ViTBackbone(BaseModule):
    """Plain ViT returning its normalised patch tokens as a feature map.

    Args:
        arch: ``'tiny'``, ``'small'``, ``'base'``, ``'large'``, ``'huge'`` or
            a dict with ``embed_dim``, ``depth``, ``num_heads``.
        img_size: (h, w) of the input crop in pixels, multiples of
            ``patch_size``.
        patch_size: side of the square patches, pixels.
        depth: number of blocks, overriding the arch (small CPU models).
        drop_path_rate: stochastic depth of the last block (linear ramp).
        with_cls_token: keep a cls token inside the blocks (mmpretrain's
            ViT); it is never part of the output.
        pretrained: local checkpoint loaded by :meth:`init_weights`.
        checkpoint_key_style: ``'vitpose'``, ``'mmpretrain'``, ``'timm'``
            or None to detect it from the keys.
        checkpoint_grid: (rows, cols) patch grid of the checkpoint's
            ``pos_embed`` when it cannot be guessed (resized bicubically).
        strict_load: raise if any key is missing, unexpected or mismatched.
        stem: ``'patch'`` (ViT's strided patch convolution) or ``'conv'``
            (log2(patch_size) stride-2 3x3 conv + BN + ReLU layers, widths
            doubling up to ``embed_dim / 2``, then a 1x1 projection).
        init_cfg: mmengine init config.

    Input: (B, 3, h, w) float image. Output: a 1-tuple with the
    (B, embed_dim, h / patch, w / patch) feature map; ``out_channels``
    ``[embed_dim]`` is its width (heads without ``in_channels`` take it).
    ``num_layers`` (the
    depth) and the timm parameter names (``vit.blocks.{i}``) are what
    ``LayerDecayOptimWrapperConstructor`` reads.
    """

    def __init__(self,
                 arch: Union[str, Mapping[str, int]] = 'base',
                 img_size: Sequence[int] = (256, 192),
                 patch_size: int = 16,
                 depth: Optional[int] = None,
                 drop_path_rate: float = 0.0,
                 with_cls_token: bool = False,
                 pretrained: Optional[str] = None,
                 checkpoint_key_style: Optional[str] = None,
                 checkpoint_grid: Optional[Sequence[int]] = None,
                 strict_load: bool = False,
                 stem: str = 'patch',
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        from timm.models.vision_transformer import VisionTransformer
        arch_cfg = _resolve_arch(arch, depth)
        img_size = tuple(int(v) for v in img_size)
        if len(img_size) != 2 or any(v % patch_size for v in img_size):
            raise ConfigError(
                f'model.backbone.img_size={img_size} must be (h, w) with both '
                f'sides multiples of patch_size={patch_size}')
        self.img_size = img_size
        self.patch_size = patch_size
        self.grid_size = (img_size[0] // patch_size,
                          img_size[1] // patch_size)
        self.embed_dim = arch_cfg['embed_dim']
        self.out_channels = [self.embed_dim]
        self.num_layers = arch_cfg['depth']
        self.pretrained = pretrained
        self.checkpoint_key_style = checkpoint_key_style
        self.checkpoint_grid = checkpoint_grid
        self.strict_load = strict_load
        self.vit = VisionTransformer(
            img_size=img_size, patch_size=patch_size, num_classes=0,
            global_pool='', class_token=with_cls_token,
            drop_path_rate=drop_path_rate, **arch_cfg)
        if stem == 'conv':
            # timm's PatchEmbed flattens whatever its ``proj`` returns
            self.vit.patch_embed.proj = conv_stem(patch_size, self.embed_dim)
        elif stem != 'patch':
            raise ConfigError(f"model.backbone.stem={stem!r}: use 'patch' "
                              "or 'conv'")

    def forward(self, inputs: torch.Tensor) -> Tuple[torch.Tensor]:
        """(B, 3, h, w) image -> ((B, C, h / patch, w / patch),)."""
        if tuple(inputs.shape[-2:]) != self.img_size:
            raise ConfigError(
                f'ViTBackbone got inputs of (h, w)={tuple(inputs.shape[-2:])} '
                f'but was built for img_size={self.img_size}: make '
                'model.backbone.img_size match the (h, w) of the crop '
                '(codec / TopdownAffine input_size is (w, h))')
        tokens = self.vit.forward_features(inputs)
        tokens = tokens[:, self.vit.num_prefix_tokens:]
        batch = tokens.shape[0]
        featmap = tokens.transpose(1, 2).reshape(batch, self.embed_dim,
                                                 *self.grid_size)
        return (featmap, )

    def load_checkpoint(self, checkpoint: Union[str, Mapping]) -> LoadReport:
        """Load a ViTPose / mmpretrain / timm checkpoint (path or dict).

        Keys are renamed to timm's, the position embedding is resized to
        this model's patch grid, and the returned report (also logged)
        lists missing, unexpected and shape-mismatched keys.
        """
        return load_pretrained(self.vit, checkpoint, self.checkpoint_filter,
                               strict=self.strict_load,
                               how_to_obtain=PRETRAINED_HOW_TO_OBTAIN)

    def checkpoint_filter(self, state_dict: Mapping[str, torch.Tensor],
                          vit: nn.Module) -> Tuple[Dict, str]:
        """ViTPose / mmpretrain / timm tensors -> timm names of ``vit`` with
        ``pos_embed`` fitted to its grid; returns them and the key style."""
        converted, style = convert_vit_state_dict(
            state_dict, self.grid_size, vit.num_prefix_tokens,
            key_style=self.checkpoint_key_style,
            src_grid=self.checkpoint_grid)
        return converted, style.name

    def init_weights(self) -> None:
        """timm's own init (done at build), then ``pretrained`` if set."""
        super().init_weights()
        if self.pretrained:
            self.load_checkpoint(self.pretrained)


def conv_stem(patch_size: int, embed_dim: int) -> nn.Sequential:
    """Stride-2 3x3 conv + BN + ReLU layers down to 1/``patch_size``, then
    a 1x1 conv to ``embed_dim``: (B, 3, h, w) -> (B, embed_dim, h / p, w / p).
    """
    num_layers = patch_size.bit_length() - 1
    if patch_size < 2 or 2**num_layers != patch_size:
        raise ConfigError(f"model.backbone.stem='conv' needs a power-of-two "
                          f'patch_size, got {patch_size}')
    layers, channels = [], 3
    for index in range(num_layers):
        width = min(embed_dim // 2, 24 * 2**index)
        layers += [nn.Conv2d(channels, width, 3, 2, 1, bias=False),
                   nn.BatchNorm2d(width), nn.ReLU(inplace=True)]
        channels = width
    layers.append(nn.Conv2d(channels, embed_dim, 1))
    return nn.Sequential(*layers)


def _resolve_arch(arch: Union[str, Mapping[str, int]],
                  depth: Optional[int] = None) -> Dict[str, int]:
    """embed_dim, depth, num_heads of a named or explicit arch; ``depth``
    overrides the number of blocks."""
    if isinstance(arch, str):
        if arch not in VIT_ARCHS:
            raise ConfigError(
                f'model.backbone.arch={arch!r} is not a ViT size: use one of '
                f'{sorted(VIT_ARCHS)} or a dict(embed_dim, depth, num_heads)')
        resolved = dict(VIT_ARCHS[arch])
    else:
        missing = {'embed_dim', 'depth', 'num_heads'} - set(arch)
        if missing:
            raise ConfigError(
                f'model.backbone.arch dict lacks {sorted(missing)}')
        resolved = dict(arch)
    if depth is not None:
        resolved['depth'] = int(depth)
    return resolved
