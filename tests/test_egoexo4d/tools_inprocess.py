"""Run a tool's ``main`` in this process (a subprocess costs seconds)."""
from tool_loader import load_tool


def run_tool(path: str, argv):
    """Load ``tools/...py`` and run it through ``run_cli``; return status."""
    from egohands.apis.cli import run_cli
    return run_cli(load_tool(path).main, [str(a) for a in argv])
