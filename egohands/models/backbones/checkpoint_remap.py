"""Loading ViT checkpoints of other codebases into timm vision transformers.

Real users start from ViTPose (or mmpretrain-converted ViTPose, as HP-ViT
did) weights, whose parameter names differ from timm's. Conversion is driven
by key tables of :mod:`egohands.checkpoint_converters.key_rules` (the
engine every converter uses), one table per key style, and
:func:`convert_vit_state_dict` is the checkpoint filter of the ViT family:
``ViTBackbone`` and ``ViTPoseBackbone`` load through it and
:func:`~egohands.checkpoint_converters.loading.load_pretrained`.

Key styles (names after any ``backbone.`` / ``module.`` prefix is stripped):

==============  ============================================================
``vitpose``     ``patch_embed.proj``, ``blocks.{i}.{norm1, attn.qkv,
                attn.proj, norm2, mlp.fc1, mlp.fc2}``, ``last_norm``;
                ``pos_embed`` (1, 1+N, C) whose first slot is *added* to
                every patch token (ViTPose has no cls token)
``mmpretrain``  ``patch_embed.projection``, ``layers.{i}.{ln1, attn.qkv,
                attn.proj, ln2, ffn.layers.0.0, ffn.layers.1}``, ``ln1``,
                ``cls_token``; ``pos_embed`` (1, 1+N, C) with a cls slot
``timm``        timm's own names (``norm`` is the final norm)
==============  ============================================================
"""
import math
import re
from collections import OrderedDict
from dataclasses import dataclass
from typing import Dict, Mapping, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F

from egohands.checkpoint_converters.key_rules import (KEEP_OTHER_KEYS,
                                                      KeyRule,
                                                      apply_key_rules)
from egohands.utils.errors import CheckpointError

KeyRules = Tuple[KeyRule, ...]
#: what the missing-file error of a ViT ``pretrained`` path says
PRETRAINED_HOW_TO_OBTAIN = (
    'download the ViTPose / mmpretrain weights and set '
    'model.backbone.pretrained to the local file (or to None to start from '
    'random weights)')
Grid = Tuple[int, int]


@dataclass(frozen=True)
class KeyStyle:
    """How one codebase names the parameters of a plain ViT.

    Attributes:
        name: short name used in configs (``checkpoint_key_style``).
        rules: key table to timm names; its last rule keeps every other
            key under its own name.
        marker: regex that some key of this style (and no other) matches;
            used to detect the style of a checkpoint.
        cls_slot: what the first ``pos_embed`` slot means when the target
            model has no cls token: ``'fold'`` (add it to every patch
            position, ViTPose's forward) or ``'drop'`` (it belonged to a cls
            token that the target does not have).
        always_cls_slot: ``pos_embed`` has a first slot even without a
            ``cls_token`` tensor (ViTPose); otherwise the slot exists iff
            the checkpoint has a ``cls_token``.
    """
    name: str
    rules: KeyRules
    marker: str
    cls_slot: str
    always_cls_slot: bool = False


VITPOSE_TO_TIMM: KeyRules = (KeyRule(r'last_norm\.(.+)', r'norm.\1'),
                             KEEP_OTHER_KEYS)

MMPRETRAIN_TO_TIMM: KeyRules = (
    KeyRule(r'patch_embed\.projection\.(.+)', r'patch_embed.proj.\1'),
    KeyRule(r'layers\.(\d+)\.ln1\.(.+)', r'blocks.\1.norm1.\2'),
    KeyRule(r'layers\.(\d+)\.ln2\.(.+)', r'blocks.\1.norm2.\2'),
    KeyRule(r'layers\.(\d+)\.ffn\.layers\.0\.0\.(.+)',
            r'blocks.\1.mlp.fc1.\2'),
    KeyRule(r'layers\.(\d+)\.ffn\.layers\.1\.(.+)',
            r'blocks.\1.mlp.fc2.\2'),
    KeyRule(r'layers\.(\d+)\.attn\.(.+)', r'blocks.\1.attn.\2'),
    KeyRule(r'ln1\.(.+)', r'norm.\1'),
    KEEP_OTHER_KEYS,
)

KEY_STYLES: Dict[str, KeyStyle] = {
    'vitpose': KeyStyle('vitpose', VITPOSE_TO_TIMM, r'^last_norm\.', 'fold',
                        always_cls_slot=True),
    'mmpretrain': KeyStyle('mmpretrain', MMPRETRAIN_TO_TIMM, r'^layers\.\d+\.',
                           'drop'),
    'timm': KeyStyle('timm', (KEEP_OTHER_KEYS, ), r'^blocks\.\d+\.', 'drop'),
}


def detect_key_style(state_dict: Mapping) -> KeyStyle:
    """The first style of :data:`KEY_STYLES` whose marker some key matches."""
    for style in KEY_STYLES.values():
        if any(re.match(style.marker, key) for key in state_dict):
            return style
    raise CheckpointError(
        'the checkpoint holds no ViT blocks (no key like "blocks.0.*", '
        '"layers.0.*" or "last_norm.*"; first keys: '
        f'{list(state_dict)[:5]}); is it a ViT backbone checkpoint?')


def resize_pos_embed(grid_embed: torch.Tensor, src_grid: Grid,
                     dst_grid: Grid) -> torch.Tensor:
    """Bicubic resize of patch position embeddings.

    Args:
        grid_embed: (1, src_h * src_w, C), row-major over the patch grid.
        src_grid, dst_grid: (rows, cols) of patches.

    Returns:
        (1, dst_h * dst_w, C).
    """
    if tuple(src_grid) == tuple(dst_grid):
        return grid_embed
    channels = grid_embed.shape[-1]
    image = grid_embed.reshape(1, *src_grid, channels).permute(0, 3, 1, 2)
    image = F.interpolate(image.float(), size=tuple(dst_grid),
                          mode='bicubic', align_corners=False)
    return image.permute(0, 2, 3, 1).reshape(1, -1, channels).to(
        grid_embed.dtype)


def infer_grid(num_patches: int, dst_grid: Grid,
               hint: Optional[Sequence[int]] = None) -> Grid:
    """Patch grid of a checkpoint's position embedding.

    The token count alone does not tell 16x12 from 12x16, so the order of
    guesses is: the ``hint`` (config ``checkpoint_grid``), the model's own
    grid, a square grid.
    """
    if hint is not None:
        hint = tuple(int(v) for v in hint)
        if hint[0] * hint[1] != num_patches:
            raise CheckpointError(
                f'checkpoint_grid={hint} has {hint[0] * hint[1]} patches but '
                f'the checkpoint pos_embed has {num_patches}: fix '
                'model.backbone.checkpoint_grid')
        return hint
    if dst_grid[0] * dst_grid[1] == num_patches:
        return tuple(dst_grid)
    side = math.isqrt(num_patches)
    if side * side == num_patches:
        return side, side
    raise CheckpointError(
        f'cannot tell the patch grid of a pos_embed with {num_patches} '
        'patches: set model.backbone.checkpoint_grid=(rows, cols), e.g. '
        '(16, 12) for ViTPose weights trained at 256x192')


def adapt_pos_embed(pos_embed: torch.Tensor, has_cls_slot: bool,
                    fold_cls_slot: bool, dst_grid: Grid, dst_num_prefix: int,
                    src_grid: Optional[Sequence[int]] = None) -> torch.Tensor:
    """Fit a checkpoint's ``pos_embed`` to the target ViT.

    Args:
        pos_embed: (1, [1 +] N, C) from the checkpoint.
        has_cls_slot: whether the first of its tokens is a cls slot.
        fold_cls_slot: if the target has no cls token, add the slot to every
            patch position (ViTPose) instead of dropping it.
        dst_grid: (rows, cols) of the target model's patch grid.
        dst_num_prefix: 1 if the target has a cls token, else 0.
        src_grid: optional (rows, cols) of the checkpoint grid.

    Returns:
        (1, dst_num_prefix + rows * cols, C).
    """
    slot = pos_embed[:, :1] if has_cls_slot else None
    grid_part = pos_embed[:, 1:] if has_cls_slot else pos_embed
    grid = infer_grid(grid_part.shape[1], dst_grid, src_grid)
    grid_part = resize_pos_embed(grid_part, grid, dst_grid)
    if dst_num_prefix:
        slot = slot if slot is not None else torch.zeros_like(grid_part[:, :1])
        return torch.cat([slot, grid_part], dim=1)
    if slot is not None and fold_cls_slot:
        grid_part = grid_part + slot
    return grid_part


def convert_vit_state_dict(state_dict: Mapping,
                           dst_grid: Grid,
                           dst_num_prefix: int,
                           key_style: Optional[str] = None,
                           src_grid: Optional[Sequence[int]] = None
                           ) -> Tuple['OrderedDict', KeyStyle]:
    """Rename a ViT state dict to timm names and fit its ``pos_embed``.

    Args:
        state_dict: backbone tensors (prefixes already stripped, see
            :func:`egohands.checkpoint_converters.reading.extract_state_dict`).
        dst_grid: (rows, cols) patch grid of the target model.
        dst_num_prefix: number of cls tokens of the target (0 or 1).
        key_style: a name of :data:`KEY_STYLES`, or None to detect it.
        src_grid: (rows, cols) patch grid of the checkpoint if ambiguous.

    Returns:
        The converted state dict and the key style used.
    """
    if key_style is None:
        style = detect_key_style(state_dict)
    elif key_style in KEY_STYLES:
        style = KEY_STYLES[key_style]
    else:
        raise CheckpointError(
            f'unknown checkpoint_key_style {key_style!r}: use one of '
            f'{sorted(KEY_STYLES)} or None to detect it')
    converted, _ = apply_key_rules(state_dict, style.rules, style.name)
    if 'pos_embed' in converted:
        has_slot = style.always_cls_slot or 'cls_token' in converted
        converted['pos_embed'] = adapt_pos_embed(
            converted['pos_embed'], has_slot, style.cls_slot == 'fold',
            dst_grid, dst_num_prefix, src_grid)
    return converted, style
