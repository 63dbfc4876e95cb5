"""Resolve every config of a configs/ tree into plain JSON values.

``python tests/test_tools/resolved_configs.py [CONFIG_ROOT]`` rewrites
``tests/test_tools/resolved_configs.json``, the snapshot that
``test_resolved_configs.py`` compares today's configs with. It was taken
from the configs before they were restructured (issue 12, item 3); rerun it
only when a config is meant to change, and say so in the commit.
"""
import json
import sys
from pathlib import Path

from mmengine.config import Config

REPO = Path(__file__).resolve().parents[2]
SNAPSHOT = Path(__file__).resolve().with_suffix('.json')
# the lead replaces the demo config (issue 12): not part of the snapshot
NOT_SNAPSHOTTED = ('hpvit/hpvit_vit-t_1xb64-5e_egosynth-128x96.py', )


def config_paths(root: Path):
    """Every config under ``root`` outside ``_base_``, as relative paths."""
    return sorted(p.relative_to(root).as_posix() for p in root.rglob('*.py')
                  if '_base_' not in p.relative_to(root).parts)


def to_json_values(value):
    """Tuples become lists, dicts plain dicts: what JSON stores."""
    return json.loads(json.dumps(value))


def resolve(path: Path) -> dict:
    return to_json_values(Config.fromfile(str(path)).to_dict())


def resolve_all(root: Path) -> dict:
    return {name: resolve(root / name) for name in config_paths(root)
            if name not in NOT_SNAPSHOTTED}


if __name__ == '__main__':
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else REPO / 'configs'
    SNAPSHOT.write_text(json.dumps(resolve_all(root), indent=1,
                                   sort_keys=True) + '\n')
    print(f'wrote {SNAPSHOT}')
