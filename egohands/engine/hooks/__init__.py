"""Runner hooks: codec statistics, prediction dumps, pictures, checkpoint
checks."""
from egohands.engine.hooks.checkpoint_fit_hook import CheckpointFitHook
from egohands.engine.hooks.hand_visualization_hook import \
    HandVisualizationHook
from egohands.engine.hooks.non_finite_guard_hook import NonFiniteGuardHook
from egohands.engine.hooks.prediction_dump_hook import PredictionDumpHook
from egohands.engine.hooks.target_stats_hook import TargetStatsHook

__all__ = [
    'CheckpointFitHook', 'HandVisualizationHook', 'NonFiniteGuardHook',
    'PredictionDumpHook', 'TargetStatsHook'
]
