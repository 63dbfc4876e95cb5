"""``LayerDecayOptimWrapperConstructor``: layer-wise lr decay for ViTs.

Fine-tuning a pretrained ViT works best when layers close to the input move
less than those close to the output (BEiT; used by ViTPose and HP-ViT). With
a backbone of L blocks, layer ``0`` is the embedding (patch embedding,
position embedding, cls token), layer ``i + 1`` is block ``i`` and layer
``L + 1`` is everything after the last block (final norm, neck, head); a
parameter of layer ``l`` gets ``lr * rate ** (L + 1 - l)``, so the head keeps
the base lr.

Weight decay is off for 1-D parameters (norms, biases) and for parameters
whose name contains one of ``no_decay_names`` (position embeddings, cls
token, the head's learned joint queries); the others get the optimizer's
``weight_decay``.

Config::

    optim_wrapper = dict(
        constructor='LayerDecayOptimWrapperConstructor',
        optimizer=dict(type='AdamW', lr=5e-4, weight_decay=0.1),
        paramwise_cfg=dict(layer_decay_rate=0.75))
"""
import re
from typing import Dict, List, Optional, Tuple

from mmengine.logging import print_log
from mmengine.optim import DefaultOptimWrapperConstructor
from torch import nn

from egohands.registry import OPTIM_WRAPPER_CONSTRUCTORS
from egohands.utils.errors import ConfigError

DEFAULT_NO_DECAY_NAMES = ('pos_embed', 'cls_token', 'joint_queries')
_BLOCK_INDEX = re.compile(r'(?:^|\.)(?:blocks|layers)\.(\d+)\.')
_EMBEDDING_NAMES = re.compile(r'(?:^|\.)(?:pos_embed|cls_token|patch_embed)')
_KNOWN_KEYS = ('layer_decay_rate', 'no_decay_names', 'backbone')


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class LayerDecayOptimWrapperConstructor(DefaultOptimWrapperConstructor):
    """Parameter groups with BEiT layer-wise lr decay and selective decay.

    ``paramwise_cfg`` keys:

    * ``layer_decay_rate`` (float in (0, 1], default 1.0 = no decay);
    * ``no_decay_names`` (substrings of parameter names without weight
      decay, default :data:`DEFAULT_NO_DECAY_NAMES`);
    * ``backbone`` (attribute name of the backbone, default
      ``'backbone'``).

    The backbone's depth is its ``num_layers`` attribute and a parameter's
    layer comes from its ``layer_id(name)`` method when it has them (as
    ``ViTBackbone``), else from ``blocks.{i}`` / ``layers.{i}`` in the
    parameter names. Each group records ``lr_scale`` and ``layer_id``.
    """

    def __init__(self, optim_wrapper_cfg: dict,
                 paramwise_cfg: Optional[dict] = None) -> None:
        paramwise_cfg = dict(paramwise_cfg or {})
        unknown = set(paramwise_cfg) - set(_KNOWN_KEYS)
        if unknown:
            raise ConfigError(
                f'optim_wrapper.paramwise_cfg has unknown keys '
                f'{sorted(unknown)} for LayerDecayOptimWrapperConstructor '
                f'(known: {", ".join(_KNOWN_KEYS)})')
        rate = float(paramwise_cfg.setdefault('layer_decay_rate', 1.0))
        if not 0.0 < rate <= 1.0:
            raise ConfigError(
                f'optim_wrapper.paramwise_cfg.layer_decay_rate={rate} must '
                'be in (0, 1]')
        paramwise_cfg.setdefault('no_decay_names', DEFAULT_NO_DECAY_NAMES)
        paramwise_cfg.setdefault('backbone', 'backbone')
        super().__init__(optim_wrapper_cfg, paramwise_cfg)
        if self.base_lr is None:
            raise ConfigError('optim_wrapper.optimizer needs an lr for '
                              'layer-wise lr decay')

    def add_params(self, params: List[dict], module: nn.Module,
                   **kwargs) -> None:
        """Append one parameter group per (layer, decay / no decay)."""
        rate = self.paramwise_cfg['layer_decay_rate']
        no_decay_names = tuple(self.paramwise_cfg['no_decay_names'])
        backbone_name = self.paramwise_cfg['backbone']
        backbone = getattr(module, backbone_name, None)
        if backbone is None:
            raise ConfigError(
                f'LayerDecayOptimWrapperConstructor: the model has no '
                f'{backbone_name!r} attribute; set paramwise_cfg.backbone '
                'to the name of its backbone')
        num_layers = _num_layers(backbone)
        groups: Dict[Tuple[int, bool], dict] = {}
        for name, param in module.named_parameters():
            if not param.requires_grad:
                continue
            layer = _layer_id(name, backbone_name, backbone, num_layers)
            no_decay = param.ndim <= 1 or any(key in name
                                              for key in no_decay_names)
            group = groups.get((layer, no_decay))
            if group is None:
                scale = rate**(num_layers + 1 - layer)
                group = groups[(layer, no_decay)] = dict(
                    params=[], param_names=[], lr=self.base_lr * scale,
                    lr_scale=scale, layer_id=layer,
                    weight_decay=0.0 if no_decay else (self.base_wd or 0.0))
            group['params'].append(param)
            group['param_names'].append(name)
        params.extend(groups[key] for key in sorted(groups))
        print_log(
            f'layer-wise lr decay {rate} over {num_layers} blocks: '
            f'{len(groups)} parameter groups, lr scale from '
            f'{rate**(num_layers + 1):.3g} (embedding) to 1 (head)',
            logger='current')


def _num_layers(backbone: nn.Module) -> int:
    if hasattr(backbone, 'num_layers'):
        return int(backbone.num_layers)
    indices = [
        int(match.group(1)) for name, _ in backbone.named_parameters()
        for match in [_BLOCK_INDEX.search(name)] if match
    ]
    if not indices:
        raise ConfigError(
            f'{type(backbone).__name__} has no num_layers and no '
            'blocks.{i} / layers.{i} parameters: layer-wise lr decay needs '
            'a transformer backbone (or layer_decay_rate=1.0)')
    return max(indices) + 1


def _layer_id(name: str, backbone_name: str, backbone: nn.Module,
              num_layers: int) -> int:
    prefix = backbone_name + '.'
    if not name.startswith(prefix):
        return num_layers + 1
    local = name[len(prefix):]
    if hasattr(backbone, 'layer_id'):
        return int(backbone.layer_id(local))
    match = _BLOCK_INDEX.search(local)
    if match:
        return int(match.group(1)) + 1
    if _EMBEDDING_NAMES.search(local):
        return 0
    return num_layers + 1
