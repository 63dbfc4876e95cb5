"""Runner hooks: codec statistics, prediction dumps, pictures."""
from egohands.engine.hooks.hand_visualization_hook import \
    HandVisualizationHook
from egohands.engine.hooks.non_finite_guard_hook import NonFiniteGuardHook
from egohands.engine.hooks.prediction_dump_hook import (PredictionDumpHook,
                                                        load_prediction_dump)
from egohands.engine.hooks.target_stats_hook import TargetStatsHook

__all__ = [
    'HandVisualizationHook', 'NonFiniteGuardHook', 'PredictionDumpHook',
    'TargetStatsHook', 'load_prediction_dump'
]
