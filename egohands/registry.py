"""The registries of egohands: where a config's ``type='Name'`` is looked up.

Every registry is a child of the matching mmengine root registry, so the
mmengine Runner finds egohands components once ``default_scope='egohands'``
is set, and mmengine's own components (``AdamW``, ``CheckpointHook``, ...)
stay reachable from egohands configs through the parent.

``locations`` lists the modules that hold the components of each registry
(and only those: a registry whose components all come from mmengine has
none). They are imported on the first lookup, so ``import egohands`` stays
cheap and never needs an optional dependency. Codecs are ``nn.Module`` objects
whose statistics travel with the checkpoint: they are ``MODELS``, built by
the heads that own them.

Third-party packages add components in two ways:

* ``custom_imports = dict(imports=['my_pkg'])`` in a config, or
* an ``egohands.plugins`` entry point in their ``setup.py``; egohands loads
  every installed plugin before its first registry lookup
  (see ``docs/plugins.md``).

A failed lookup raises :class:`~egohands.utils.errors.RegistryMissError`
that says which registries and modules were searched, which plugins are
installed, and which registered names are closest to the one asked for.

Run ``python tools/list_components.py`` to list every component and the
module it lives in.
"""
from __future__ import annotations

import difflib
import logging
from importlib import metadata
from typing import Dict, List, Optional

from mmengine.registry import DATA_SAMPLERS as MMENGINE_DATA_SAMPLERS
from mmengine.registry import DATASETS as MMENGINE_DATASETS
from mmengine.registry import EVALUATOR as MMENGINE_EVALUATOR
from mmengine.registry import HOOKS as MMENGINE_HOOKS
from mmengine.registry import LOG_PROCESSORS as MMENGINE_LOG_PROCESSORS
from mmengine.registry import LOOPS as MMENGINE_LOOPS
from mmengine.registry import METRICS as MMENGINE_METRICS
from mmengine.registry import MODEL_WRAPPERS as MMENGINE_MODEL_WRAPPERS
from mmengine.registry import MODELS as MMENGINE_MODELS
from mmengine.registry import \
    OPTIM_WRAPPER_CONSTRUCTORS as MMENGINE_OPTIM_WRAPPER_CONSTRUCTORS
from mmengine.registry import OPTIM_WRAPPERS as MMENGINE_OPTIM_WRAPPERS
from mmengine.registry import OPTIMIZERS as MMENGINE_OPTIMIZERS
from mmengine.registry import PARAM_SCHEDULERS as MMENGINE_PARAM_SCHEDULERS
from mmengine.registry import TASK_UTILS as MMENGINE_TASK_UTILS
from mmengine.registry import TRANSFORMS as MMENGINE_TRANSFORMS
from mmengine.registry import VISBACKENDS as MMENGINE_VISBACKENDS
from mmengine.registry import VISUALIZERS as MMENGINE_VISUALIZERS
from mmengine.registry import WEIGHT_INITIALIZERS as MMENGINE_WEIGHT_INITIALIZERS
from mmengine.registry import Registry

from egohands.utils.errors import RegistryMissError

PLUGIN_ENTRY_POINT_GROUP = 'egohands.plugins'

logger = logging.getLogger(__name__)

# name -> 'ok' or the error text of a plugin that failed to load
_plugin_status: Dict[str, str] = {}
_plugins_loaded = False


def load_plugins() -> Dict[str, str]:
    """Import every installed ``egohands.plugins`` entry point, once.

    An entry point names a module (importing it registers its components) or
    a callable that takes no argument (called after import). A plugin that
    fails to load does not stop egohands: its error is logged and shown in
    every later registry miss.

    Returns:
        dict: plugin name -> ``'ok'`` or the error message.
    """
    global _plugins_loaded
    if _plugins_loaded:
        return _plugin_status
    _plugins_loaded = True
    for entry_point in metadata.entry_points(group=PLUGIN_ENTRY_POINT_GROUP):
        try:
            obj = entry_point.load()
            if callable(obj):
                obj()
            _plugin_status[entry_point.name] = 'ok'
        except Exception as err:  # a broken plugin must not break egohands
            _plugin_status[entry_point.name] = f'{type(err).__name__}: {err}'
            logger.warning('egohands plugin %r (%s) failed to load: %s',
                           entry_point.name, entry_point.value, err)
    return _plugin_status


class EgohandsRegistry(Registry):
    """An mmengine registry with plugin loading and helpful misses."""

    def import_from_location(self) -> None:
        if not self._imported:
            # mmengine's root registries have no locations: its components
            # ('AdamW', 'CheckpointHook', ...) register when mmengine.runner
            # is imported.
            import mmengine.runner  # noqa: F401
            super().import_from_location()
            load_plugins()

    def get(self, key):
        obj = super().get(key)
        if obj is None:
            raise RegistryMissError(self.explain_miss(key))
        return obj

    def __contains__(self, key) -> bool:
        try:
            return self.get(key) is not None
        except RegistryMissError:
            return False

    def _searched_registries(self) -> List[Registry]:
        chain, node = [], self
        while node is not None:
            chain.append(node)
            node = node.parent
        return chain

    def explain_miss(self, key: str) -> str:
        """Say where ``key`` was looked for and what the closest names are."""
        chain = self._searched_registries()
        names: Dict[str, str] = {}
        for registry in chain:
            for name, obj in registry.module_dict.items():
                names.setdefault(name, f'{registry.scope}: {_where(obj)}')
        close = difflib.get_close_matches(key, list(names), n=5, cutoff=0.5)
        if not close:  # case-insensitive substring as a second chance
            close = [n for n in names if key.lower() in n.lower()][:5]
        searched = ' -> '.join(f'{r.scope}::{r.name}' for r in chain)
        lines = [f"'{key}' is not a registered {self.name}.",
                 f'  searched registries: {searched}',
                 f'  modules imported for egohands: '
                 f'{", ".join(self._locations) or "(none)"}']
        plugins = load_plugins()
        if plugins:
            lines.append('  installed plugins: ' + ', '.join(
                f'{n} ({s})' for n, s in sorted(plugins.items())))
        else:
            lines.append(f'  installed plugins: none (entry-point group '
                         f"'{PLUGIN_ENTRY_POINT_GROUP}')")
        if close:
            lines.append('  closest names: ' + '; '.join(
                f'{n} [{names[n]}]' for n in close))
        lines.append('  a component of your own must be imported first: '
                     "custom_imports=dict(imports=['your_module']) in the "
                     'config, or an egohands.plugins entry point '
                     '(docs/plugins.md)')
        return '\n'.join(lines)


def _where(obj) -> str:
    module = getattr(obj, '__module__', '?')
    return f'{module}.{getattr(obj, "__qualname__", obj)}'


def _child(name: str, parent: Registry, locations: List[str],
           **kwargs) -> EgohandsRegistry:
    return EgohandsRegistry(name, parent=parent, scope='egohands',
                            locations=locations, **kwargs)


_MODEL_LOCATIONS = [
    'egohands.models.backbones', 'egohands.models.heads',
    'egohands.models.losses', 'egohands.models.discriminators',
    'egohands.models.estimators', 'egohands.models.data_preprocessors',
    'egohands.models.detectors',
    'egohands.models.multiview',
    'egohands.models.encodings',
    'egohands.models.tta', 'egohands.hand_models', 'egohands.codecs'
]

# nn.Modules: backbones, necks, heads, losses, estimators, preprocessors,
# TTA wrappers, hand models and codecs (codecs hold target statistics as
# buffers so that they travel with the checkpoint).
MODELS = _child('model', MMENGINE_MODELS, _MODEL_LOCATIONS)
MODEL_WRAPPERS = _child('model_wrapper', MMENGINE_MODEL_WRAPPERS, [])
WEIGHT_INITIALIZERS = _child('weight initializer',
                             MMENGINE_WEIGHT_INITIALIZERS, [])
DATASETS = _child('dataset', MMENGINE_DATASETS, ['egohands.datasets'])
DATA_SAMPLERS = _child('data sampler', MMENGINE_DATA_SAMPLERS,
                       ['egohands.datasets.samplers'])
TRANSFORMS = _child('transform', MMENGINE_TRANSFORMS,
                    ['egohands.datasets.transforms'])
METRICS = _child('metric', MMENGINE_METRICS, ['egohands.evaluation.metrics'])
EVALUATORS = _child('evaluator', MMENGINE_EVALUATOR, [])
OPTIMIZERS = _child('optimizer', MMENGINE_OPTIMIZERS, [])
OPTIM_WRAPPERS = _child('optim_wrapper', MMENGINE_OPTIM_WRAPPERS, [])
OPTIM_WRAPPER_CONSTRUCTORS = _child('optimizer wrapper constructor',
                                    MMENGINE_OPTIM_WRAPPER_CONSTRUCTORS,
                                    ['egohands.engine'])
PARAM_SCHEDULERS = _child('parameter scheduler', MMENGINE_PARAM_SCHEDULERS,
                          [])
HOOKS = _child('hook', MMENGINE_HOOKS, ['egohands.engine'])
LOOPS = _child('loop', MMENGINE_LOOPS, [])
LOG_PROCESSORS = _child('log_processor', MMENGINE_LOG_PROCESSORS, [])
VISUALIZERS = _child('visualizer', MMENGINE_VISUALIZERS, [])
VISBACKENDS = _child('vis_backend', MMENGINE_VISBACKENDS, [])
TASK_UTILS = _child('task util', MMENGINE_TASK_UTILS, [])

# Post-processors work on predictions after the model: flip-TTA merging,
# ensembling, HaMeR-align, temporal smoothing. No mmengine parent.
POSTPROCESSORS = EgohandsRegistry('postprocessor', scope='egohands',
                                  locations=['egohands.postprocess'])

ALL_REGISTRIES = dict(
    MODELS=MODELS, MODEL_WRAPPERS=MODEL_WRAPPERS, DATASETS=DATASETS,
    DATA_SAMPLERS=DATA_SAMPLERS, TRANSFORMS=TRANSFORMS, METRICS=METRICS,
    EVALUATORS=EVALUATORS, OPTIMIZERS=OPTIMIZERS,
    OPTIM_WRAPPERS=OPTIM_WRAPPERS,
    OPTIM_WRAPPER_CONSTRUCTORS=OPTIM_WRAPPER_CONSTRUCTORS,
    PARAM_SCHEDULERS=PARAM_SCHEDULERS, HOOKS=HOOKS, LOOPS=LOOPS,
    LOG_PROCESSORS=LOG_PROCESSORS, VISUALIZERS=VISUALIZERS,
    VISBACKENDS=VISBACKENDS, TASK_UTILS=TASK_UTILS,
    POSTPROCESSORS=POSTPROCESSORS)


def register_all_modules() -> None:
    """Import every egohands component and installed plugin now."""
    for registry in ALL_REGISTRIES.values():
        registry.import_from_location()
    load_plugins()


def list_components(registry_names: Optional[List[str]] = None
                    ) -> Dict[str, Dict[str, str]]:
    """Every registered name and where it lives, per registry.

    Args:
        registry_names: e.g. ``['MODELS', 'TRANSFORMS']`` (default: all).

    Returns:
        dict: registry name -> {component name -> 'module.Class'}; only the
        components that egohands and its plugins register (not mmengine's).
    """
    register_all_modules()
    listing = {}
    for name, registry in ALL_REGISTRIES.items():
        if registry_names and name not in registry_names:
            continue
        listing[name] = {key: _where(obj)
                         for key, obj in sorted(registry.module_dict.items())}
    return listing
