"""egohands.engine: hooks, optimizer constructors (and later schedulers).

Importing it, which the Runner does through the ``HOOKS`` registry, also
installs egohands' checkpoint reading and writing in mmengine
(``egohands.utils.checkpoint``): weights-only loading of ``resume`` and
``load_from``, verified http(s) downloads, atomic checkpoint files.
"""
from egohands.engine.hooks import (CheckpointFitHook, HandVisualizationHook,
                                   PredictionDumpHook, TargetStatsHook)
from egohands.engine.layer_decay_optim_constructor import \
    LayerDecayOptimWrapperConstructor
from egohands.utils.checkpoint import install_safe_checkpoint_loading

install_safe_checkpoint_loading()

__all__ = [
    'CheckpointFitHook', 'HandVisualizationHook',
    'LayerDecayOptimWrapperConstructor',
    'PredictionDumpHook', 'TargetStatsHook'
]
