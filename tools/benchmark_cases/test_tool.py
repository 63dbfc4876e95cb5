"""``test_tool``: ``tools/test.py`` end to end against a bare script.

Both run as fresh Python processes (imports included) on the same
validation images with the same checkpoint of the demo config; the rate is
hands per second of process wall time. The bare script is
``bare_test.py`` (no Runner, no loader workers, no hooks); its metrics must
equal the ones ``tools/test.py`` writes. One more, untimed, run of the tool
under cProfile splits its time into phases for the profile line.
"""
import json
import os
import pstats
import subprocess
import sys
import time
from typing import Dict, List, Tuple

HERE = os.path.dirname(os.path.abspath(__file__))
TOOL = os.path.join(os.path.dirname(HERE), 'test.py')
BARE = os.path.join(HERE, 'bare_test.py')

#: cProfile entries (file suffix, function) -> phase of tools/test.py
PHASES = {
    ('<frozen importlib._bootstrap>', '_find_and_load'): 'imports',
    ('tool_config.py', 'build_runner'): 'runner build',
    ('dataloader.py', '__next__'): 'loader waits',
    ('base_model.py', 'test_step'): 'model',
    ('evaluator.py', 'evaluate'): 'metric',
}


def write_checkpoint(cfg, dataset, path: str) -> None:
    """A checkpoint of the demo model (initial weights, target statistics
    of ``dataset``); speed does not depend on the weights."""
    import torch

    from egohands.codecs import stats_from_dataset
    from egohands.registry import MODELS
    model = MODELS.build(cfg.model)
    for module in model.modules():
        if hasattr(module, 'set_statistics'):
            module.set_statistics(stats_from_dataset(dataset))
    torch.save(dict(state_dict=model.state_dict(), meta=dict()), path)


def tool_command(config: str, checkpoint: str, data_root: str,
                 ann_file: str, work_dir: str) -> List[str]:
    return [sys.executable, TOOL, config, checkpoint, '--work-dir', work_dir,
            '--cfg-options', f'data_root={data_root}',
            f'test_dataloader.dataset.ann_file={ann_file}']


def run_timed(command: List[str]) -> Tuple[float, str]:
    """(wall seconds, stdout) of a child process; its errors stop us."""
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True,
                          env=dict(os.environ, PYTHONWARNINGS='ignore'))
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f'{" ".join(command)} failed:\n{done.stderr}')
    return seconds, done.stdout


def profile_phases(command: List[str], out_file: str) -> Dict[str, float]:
    """Cumulative seconds of each phase of ``PHASES`` in one run of the
    tool under cProfile (recursion counted once, as pstats does)."""
    run_timed([sys.executable, '-m', 'cProfile', '-o', out_file] +
              command[1:])
    phases = {name: 0.0 for name in PHASES.values()}
    for (path, _, function), row in pstats.Stats(out_file).stats.items():
        for (suffix, name), phase in PHASES.items():
            if function == name and path.endswith(suffix):
                phases[phase] += row[3]
    total = max(row[3] for row in pstats.Stats(out_file).stats.values())
    phases['total'] = total
    return phases


def profile_line(phases: Dict[str, float], bare_s: float) -> str:
    shown = ', '.join(f'{name} {seconds:.2f} s'
                      for name, seconds in phases.items())
    return (f'tools/test.py under cProfile: {shown}; the bare script takes '
            f'{bare_s:.2f} s in all')
