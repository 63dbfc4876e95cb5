"""Models: data preprocessor -> backbone -> neck -> head (+ codec), wrapped
by an estimator. Importing this package makes local Runner checkpoints
loadable with ``weights_only=True`` (``egohands.utils.checkpoint``)."""
from egohands.utils.checkpoint import register_safe_checkpoint_globals

register_safe_checkpoint_globals()
