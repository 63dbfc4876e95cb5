"""egohands.engine: hooks, optimizer constructors (and later schedulers).

Importing it, which the Runner does through the ``HOOKS`` registry, also
makes local Runner checkpoints loadable with ``weights_only=True``
(``egohands.utils.checkpoint``), so ``resume`` and ``load_from`` work.
"""
from egohands.engine.hooks import (HandVisualizationHook,
                                   PredictionDumpHook, TargetStatsHook,
                                   load_prediction_dump)
from egohands.engine.layer_decay_optim_constructor import \
    LayerDecayOptimWrapperConstructor
from egohands.utils.checkpoint import install_safe_checkpoint_loading

install_safe_checkpoint_loading()

__all__ = [
    'HandVisualizationHook', 'LayerDecayOptimWrapperConstructor',
    'PredictionDumpHook', 'TargetStatsHook', 'load_prediction_dump'
]
