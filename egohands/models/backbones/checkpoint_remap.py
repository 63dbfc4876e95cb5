"""Loading ViT checkpoints of other codebases into timm vision transformers.

Real users start from ViTPose (or mmpretrain-converted ViTPose, as HP-ViT
did) weights, whose parameter names differ from timm's. Conversion is driven
by tables of regex rules, one table per key style, so a new variant (for
instance HaMeR's ViTPose-H with a padded patch embedding) reuses
:func:`convert_vit_state_dict` / :func:`load_vit_state_dict` with its own
table instead of copying the code.

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
import pickle
import re
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Mapping, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from mmengine.logging import print_log
from torch import nn

from egohands.utils.errors import CheckpointError, MissingAssetError

KeyRules = Tuple[Tuple[str, str], ...]
Grid = Tuple[int, int]


@dataclass(frozen=True)
class KeyStyle:
    """How one codebase names the parameters of a plain ViT.

    Attributes:
        name: short name used in configs (``checkpoint_key_style``).
        rules: ``(regex, replacement)`` pairs; the first matching rule
            renames a key, keys matching none keep their name.
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


VITPOSE_TO_TIMM: KeyRules = ((r'^last_norm\.', 'norm.'), )

MMPRETRAIN_TO_TIMM: KeyRules = (
    (r'^patch_embed\.projection\.', 'patch_embed.proj.'),
    (r'^layers\.(\d+)\.ln1\.', r'blocks.\1.norm1.'),
    (r'^layers\.(\d+)\.ln2\.', r'blocks.\1.norm2.'),
    (r'^layers\.(\d+)\.ffn\.layers\.0\.0\.', r'blocks.\1.mlp.fc1.'),
    (r'^layers\.(\d+)\.ffn\.layers\.1\.', r'blocks.\1.mlp.fc2.'),
    (r'^layers\.(\d+)\.attn\.', r'blocks.\1.attn.'),
    (r'^ln1\.', 'norm.'),
)

KEY_STYLES: Dict[str, KeyStyle] = {
    'vitpose': KeyStyle('vitpose', VITPOSE_TO_TIMM, r'^last_norm\.', 'fold',
                        always_cls_slot=True),
    'mmpretrain': KeyStyle('mmpretrain', MMPRETRAIN_TO_TIMM, r'^layers\.\d+\.',
                           'drop'),
    'timm': KeyStyle('timm', (), r'^blocks\.\d+\.', 'drop'),
}


@dataclass
class LoadReport:
    """What happened when a checkpoint was loaded into a model."""
    key_style: str
    missing_keys: List[str] = field(default_factory=list)
    unexpected_keys: List[str] = field(default_factory=list)
    #: (key, checkpoint shape, model shape) of tensors that were not loaded
    shape_mismatches: List[Tuple[str, tuple, tuple]] = field(
        default_factory=list)

    @property
    def clean(self) -> bool:
        return not (self.missing_keys or self.unexpected_keys
                    or self.shape_mismatches)

    def __str__(self) -> str:
        lines = [f'key style: {self.key_style}']
        if self.clean:
            lines.append('all keys matched')
        if self.missing_keys:
            lines.append('missing keys (kept their initial values): ' +
                         ', '.join(self.missing_keys))
        if self.unexpected_keys:
            lines.append('unexpected keys (ignored): ' +
                         ', '.join(self.unexpected_keys))
        for key, src, dst in self.shape_mismatches:
            lines.append(f'shape mismatch (not loaded): {key} checkpoint '
                         f'{tuple(src)} vs model {tuple(dst)}')
        return '\n'.join(lines)


def read_checkpoint_file(path: str) -> dict:
    """Read a local ``.pth`` file with ``weights_only`` unpickling.

    Raises:
        MissingAssetError: the file does not exist.
        CheckpointError: the file cannot be read as a checkpoint.
    """
    from egohands.utils.checkpoint import (explain_unpickling_error,
                                           register_safe_checkpoint_globals)
    if not Path(path).is_file():
        raise MissingAssetError(
            f'checkpoint {path!r} does not exist: download the ViTPose / '
            'mmpretrain weights and set model.backbone.pretrained to the '
            'local file (or to None to start from random weights)')
    register_safe_checkpoint_globals()
    try:
        return torch.load(path, map_location='cpu', weights_only=True)
    except pickle.UnpicklingError as err:
        raise explain_unpickling_error(path, err) from None
    except (RuntimeError, EOFError) as err:
        raise CheckpointError(
            f'cannot read checkpoint {path!r} ({type(err).__name__}: '
            f'{str(err).splitlines()[0]}); is it a torch .pth file?'
        ) from None


def extract_state_dict(checkpoint: Mapping,
                       prefix: str = 'backbone.') -> 'OrderedDict':
    """The tensors of one sub-module of a training checkpoint.

    Unwraps ``state_dict`` / ``model`` containers, strips the ``module.``
    prefix of data-parallel training and, if any key starts with ``prefix``,
    keeps only those keys with the prefix removed (a full ViTPose checkpoint
    also holds its keypoint head).
    """
    for container in ('state_dict', 'model'):
        if container in checkpoint and isinstance(checkpoint[container],
                                                  Mapping):
            checkpoint = checkpoint[container]
            break
    tensors = OrderedDict(
        (key[len('module.'):] if key.startswith('module.') else key, value)
        for key, value in checkpoint.items()
        if isinstance(value, torch.Tensor))
    if prefix and any(key.startswith(prefix) for key in tensors):
        tensors = OrderedDict((key[len(prefix):], value)
                              for key, value in tensors.items()
                              if key.startswith(prefix))
    return tensors


def detect_key_style(state_dict: Mapping) -> KeyStyle:
    """The first style of :data:`KEY_STYLES` whose marker some key matches."""
    for style in KEY_STYLES.values():
        if any(re.match(style.marker, key) for key in state_dict):
            return style
    raise CheckpointError(
        'the checkpoint holds no ViT blocks (no key like "blocks.0.*", '
        '"layers.0.*" or "last_norm.*"; first keys: '
        f'{list(state_dict)[:5]}); is it a ViT backbone checkpoint?')


def rename_keys(state_dict: Mapping, rules: KeyRules) -> 'OrderedDict':
    """Rename every key with the first rule that matches it."""
    renamed = OrderedDict()
    for key, value in state_dict.items():
        for pattern, replacement in rules:
            if re.match(pattern, key):
                key = re.sub(pattern, replacement, key, count=1)
                break
        renamed[key] = value
    return renamed


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
            :func:`extract_state_dict`).
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
    converted = rename_keys(state_dict, style.rules)
    if 'pos_embed' in converted:
        has_slot = style.always_cls_slot or 'cls_token' in converted
        converted['pos_embed'] = adapt_pos_embed(
            converted['pos_embed'], has_slot, style.cls_slot == 'fold',
            dst_grid, dst_num_prefix, src_grid)
    return converted, style


def load_vit_state_dict(model: nn.Module,
                        state_dict: Mapping,
                        dst_grid: Grid,
                        dst_num_prefix: int,
                        key_style: Optional[str] = None,
                        src_grid: Optional[Sequence[int]] = None,
                        strict: bool = False,
                        source: str = 'checkpoint') -> LoadReport:
    """Convert ``state_dict`` and load it into a timm-named ViT ``model``.

    Tensors whose shape differs from the model's are skipped and reported.
    The report is logged; with ``strict`` any missing, unexpected or
    mismatched key raises :class:`CheckpointError` instead.
    """
    converted, style = convert_vit_state_dict(state_dict, dst_grid,
                                              dst_num_prefix, key_style,
                                              src_grid)
    report = LoadReport(style.name)
    own = model.state_dict()
    loadable = OrderedDict()
    for key, value in converted.items():
        if key in own and own[key].shape != value.shape:
            report.shape_mismatches.append(
                (key, tuple(value.shape), tuple(own[key].shape)))
        else:
            loadable[key] = value
    result = model.load_state_dict(loadable, strict=False)
    mismatched = {key for key, _, _ in report.shape_mismatches}
    report.missing_keys = [
        key for key in result.missing_keys if key not in mismatched
    ]
    report.unexpected_keys = list(result.unexpected_keys)
    if strict and not report.clean:
        raise CheckpointError(
            f'{source} does not fit the ViT exactly (strict loading):\n'
            f'{report}\nset strict_load=False to load what fits')
    print_log(f'loaded {source} into {type(model).__name__}: {report}',
              logger='current')
    return report
