"""egohands.apis: what the tools are made of (config loading and checking,
error reporting); later also one-line inference and model-zoo download."""
from egohands.apis.cli import run_cli
from egohands.apis.config_validation import validate_config
from egohands.apis.tool_config import load_config

__all__ = ['load_config', 'run_cli', 'validate_config']
