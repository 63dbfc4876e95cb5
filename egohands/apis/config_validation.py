"""Check a config's keys against the constructors before anything is built.

A misspelt key (``model.head.num_joint=21``) would otherwise surface as a
``TypeError`` from deep inside the Runner, or be silently ignored. The
validator walks the config; for every dict with a string ``type`` it finds
the component in the egohands registries (guided by where the dict sits:
``model`` -> MODELS, ``*.pipeline`` -> TRANSFORMS, ...) and compares the
dict's keys with the parameters of the constructor. Components that take
``**kwargs`` are not checked. An unknown key raises a
:class:`~egohands.utils.errors.ConfigError` naming the config file, the
config path, the component and the closest valid key; an unknown ``type``
where the registry is known raises the registry's ``RegistryMissError``
prefixed with the config path.
"""
from __future__ import annotations

import difflib
import inspect
import math
import numbers
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple

from egohands import registry as egohands_registry
from egohands.utils.errors import ConfigError, RegistryMissError

#: keys consumed by the builder, not passed to the constructor
_BUILDER_KEYS = {'type', '_scope_'}
#: extra keys a particular registry's builder consumes
_REGISTRY_BUILDER_KEYS = {
    'hook': {'priority'},
    'optim_wrapper': {'constructor', 'paramwise_cfg'},
    'parameter scheduler': {'convert_to_iter_based'},
}


def _registry_for_path(path: str):
    """The registry (or registries, tried in order) a ``type`` at ``path``
    is built from, or None when the validator does not know."""
    r = egohands_registry
    last = path.rsplit('.', 1)[-1].split('[')[0]
    if last == 'init_cfg' or '.init_cfg' in path:
        return r.WEIGHT_INITIALIZERS
    if 'pipeline' in path:
        return r.TRANSFORMS
    if last == 'postprocess' or '.postprocess[' in path:
        return r.POSTPROCESSORS
    if path.startswith('model_wrapper_cfg'):
        return r.MODEL_WRAPPERS
    if path.split('.')[0] in ('model', 'tta_model'):
        return r.MODELS
    if path.endswith('dataloader.sampler'):
        return r.DATA_SAMPLERS
    if path.endswith('dataloader.batch_sampler'):
        return r.DATA_SAMPLERS
    if 'dataloader.dataset' in path and last in ('dataset', 'datasets') \
            or '.datasets[' in path:
        return r.DATASETS
    if path.startswith(('val_evaluator', 'test_evaluator')):
        return r.METRICS, r.EVALUATORS
    if path.startswith(('default_hooks', 'custom_hooks')):
        return r.HOOKS
    if path == 'optim_wrapper':
        return r.OPTIM_WRAPPERS
    if path == 'optim_wrapper.optimizer':
        return r.OPTIMIZERS
    if path.startswith('param_scheduler'):
        return r.PARAM_SCHEDULERS
    if path == 'visualizer':
        return r.VISUALIZERS
    if 'vis_backends' in path:
        return r.VISBACKENDS
    if path == 'log_processor':
        return r.LOG_PROCESSORS
    if path in ('train_cfg', 'val_cfg', 'test_cfg'):
        return r.LOOPS
    return None


def _walk(node: Any, path: str) -> Iterator[Tuple[str, Dict]]:
    """Yield (config path, dict) for every dict with a string ``type``."""
    if isinstance(node, dict):
        if isinstance(node.get('type'), str):
            yield path, node
        for key, value in node.items():
            yield from _walk(value, f'{path}.{key}' if path else str(key))
    elif isinstance(node, (list, tuple)):
        for index, value in enumerate(node):
            yield from _walk(value, f'{path}[{index}]')


def _accepted_keys(obj: Callable) -> Optional[List[str]]:
    """Constructor parameters of a class or function; None if it takes
    ``**kwargs`` or has no inspectable signature."""
    target = obj.__init__ if inspect.isclass(obj) else obj
    try:
        signature = inspect.signature(target)
    except (TypeError, ValueError):
        return None
    names = []
    for parameter in signature.parameters.values():
        if parameter.kind is inspect.Parameter.VAR_KEYWORD:
            return None
        if parameter.kind is inspect.Parameter.VAR_POSITIONAL:
            continue
        names.append(parameter.name)
    return [n for n in names if n != 'self']


def _closest(key: str, choices: List[str]) -> str:
    close = difflib.get_close_matches(key, choices, n=1, cutoff=0.5)
    return f"did you mean '{close[0]}'? " if close else ''


def _lookup(registries: Tuple, type_name: str, filename: str, path: str):
    """(registry, component) of the first registry that holds
    ``type_name``; the first registry's miss message otherwise."""
    first_miss = None
    for registry in registries:
        try:
            return registry, registry.get(type_name)
        except RegistryMissError as err:
            first_miss = first_miss or err
    raise RegistryMissError(f'{filename}: {path}: {first_miss}')


def validate_config(cfg, filename: Optional[str] = None) -> None:
    """Raise on the first unknown key or unknown type in ``cfg``.

    Args:
        cfg: an mmengine ``Config`` (or a plain dict).
        filename: the config file named in messages (default:
            ``cfg.filename``).
    """
    filename = filename or getattr(cfg, 'filename', None) or '<config>'
    data = cfg.to_dict() if hasattr(cfg, 'to_dict') else dict(cfg)
    for path, node in _walk(data, ''):
        registries = _registry_for_path(path)
        if registries is None:
            continue
        if not isinstance(registries, tuple):
            registries = (registries, )
        registry, obj = _lookup(registries, node['type'], filename, path)
        type_name = node['type']
        accepted = _accepted_keys(obj)
        if accepted is None:
            continue
        consumed = _BUILDER_KEYS | _REGISTRY_BUILDER_KEYS.get(
            registry.name, set())
        for key in node:
            if key in consumed or key in accepted:
                continue
            raise ConfigError(
                f"{filename}: {path}: unknown key '{key}' for {type_name}; "
                f'{_closest(key, accepted)}valid keys: '
                f'{", ".join(accepted)}')
    check_config_values(data, filename)


#: config path -> (lowest allowed value, integer required)
_NUMERIC_SETTINGS = {
    'train_cfg.max_epochs': (1, True),
    'train_cfg.max_iters': (1, True),
    'train_cfg.val_interval': (1, True),
    'train_cfg.val_begin': (0, True),
    'train_dataloader.batch_size': (1, True),
    'val_dataloader.batch_size': (1, True),
    'test_dataloader.batch_size': (1, True),
    'train_dataloader.num_workers': (0, True),
    'val_dataloader.num_workers': (0, True),
    'test_dataloader.num_workers': (0, True),
    'optim_wrapper.optimizer.lr': (0, False),
    'optim_wrapper.optimizer.weight_decay': (0, False),
}


def check_config_values(data: Dict, filename: str) -> None:
    """Raise ConfigError for a loop length, batch size, worker count or
    learning rate that is not a number in range (``max_epochs='abc'``,
    ``batch_size=0``, ``lr=-1``), naming the config path."""
    for path, (lowest, integer) in _NUMERIC_SETTINGS.items():
        node = data
        for key in path.split('.'):
            node = node.get(key) if isinstance(node, dict) else None
        if node is None:
            continue
        kind = 'an integer' if integer else 'a number'
        ok = isinstance(node, numbers.Real) and not isinstance(node, bool) \
            and math.isfinite(node) and node >= lowest and (
                not integer or float(node) == int(node))
        if not ok:
            raise ConfigError(f'{filename}: {path} must be {kind} >= '
                              f'{lowest}, got {node!r}')
