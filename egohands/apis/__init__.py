"""egohands.apis: what the tools are made of (config loading and checking,
error reporting) and one-call inference (``init_model``,
``inference_topdown``, ``HandPoseInferencer``)."""
from egohands.apis.cli import run_cli
from egohands.apis.config_validation import validate_config
from egohands.apis.inference import inference_topdown, init_detector
from egohands.apis.inferencer import HandPoseInferencer
from egohands.apis.model_loading import init_model
from egohands.apis.tool_config import load_config

__all__ = [
    'load_config', 'run_cli', 'validate_config', 'init_model',
    'inference_topdown', 'init_detector', 'HandPoseInferencer'
]
