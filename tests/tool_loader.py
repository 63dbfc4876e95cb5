"""Import a command-line tool of ``tools/`` in this process.

Tests call a tool's ``parse_args`` / ``main`` directly (through
``egohands.apis.cli.run_cli``) instead of spawning a Python process, which
saves seconds per call. Each call imports a fresh module.
"""
import importlib.util
from pathlib import Path
from types import ModuleType

REPO_ROOT = Path(__file__).resolve().parents[1]


def load_tool(name: str) -> ModuleType:
    """The module of ``tools/<name>.py``, or of a repository-relative path
    such as ``'tools/dataset_converters/egoexo4d.py'``."""
    path = REPO_ROOT / name if '/' in name else REPO_ROOT / 'tools' / (
        name + '.py')
    module_name = 'egohands_tool_' + '_'.join(
        path.relative_to(REPO_ROOT / 'tools').with_suffix('').parts)
    spec = importlib.util.spec_from_file_location(module_name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
