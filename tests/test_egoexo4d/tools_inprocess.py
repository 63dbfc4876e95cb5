"""Run a tool's ``main`` in this process (a subprocess costs seconds)."""
import importlib.util
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def run_tool(path: str, argv):
    """Load ``tools/...py`` and run it through ``run_cli``; return status."""
    from egohands.apis.cli import run_cli
    spec = importlib.util.spec_from_file_location(
        Path(path).stem + '_tool', REPO / path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return run_cli(module.main, [str(a) for a in argv])
