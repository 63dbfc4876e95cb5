"""Models: data preprocessor -> backbone -> neck -> head (+ codec), wrapped
by an estimator. Importing this package makes local Runner checkpoints
loadable with ``weights_only=True`` (``egohands.utils.checkpoint``)."""
from egohands.utils.checkpoint import install_safe_checkpoint_loading

install_safe_checkpoint_loading()
