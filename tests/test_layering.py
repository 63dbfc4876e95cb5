"""The core package never imports the synthetic-data stack (egohands.synth):
data readers, transforms, models and evaluation read on their own."""
import ast
from pathlib import Path

import numpy as np

PACKAGE = Path(__file__).resolve().parents[1] / 'egohands'


def imported_modules(source: str, package: tuple):
    """Absolute names of every module a source file imports, lazy imports
    included; relative imports are resolved against ``package`` (the parts
    of the file's package, e.g. ``('egohands', 'models')``)."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = list(package[:len(package) - node.level + 1]) \
                if node.level else []
            module = '.'.join(base + ([node.module] if node.module else []))
            yield module
            yield from (f'{module}.{alias.name}' for alias in node.names)


def _is_synth(module: str) -> bool:
    return module == 'egohands.synth' or module.startswith('egohands.synth.')


def test_core_modules_do_not_import_the_synth_package():
    offenders = []
    for path in sorted(PACKAGE.rglob('*.py')):
        if path.is_relative_to(PACKAGE / 'synth'):
            continue
        package = path.relative_to(PACKAGE.parent).with_suffix('').parts[:-1]
        offenders += [f'{path.relative_to(PACKAGE.parent)} imports {module}'
                      for module in imported_modules(path.read_text(),
                                                     package)
                      if _is_synth(module)]
    assert not offenders, '\n'.join(offenders)


def test_the_checker_sees_relative_and_lazy_imports():
    source = ('def f():\n    from ...synth.hand import x\n'
              'import egohands.synth.egosynth\nfrom egohands import synth\n'
              'from ...datasets import coco_format\n')
    found = set(imported_modules(source, ('egohands', 'models', 'heads')))
    assert {'egohands.synth.hand', 'egohands.synth.egosynth',
            'egohands.synth'} <= found
    assert 'egohands.models.datasets.coco_format' not in found
    assert 'egohands.datasets.coco_format' in found


def test_pose_prior_frames_are_the_synthetic_templates():
    from egohands.hand_models.pose_prior import joint_frames
    from egohands.synth.hand.dimensions import HandDims
    from egohands.synth.hand.skeleton import build_skeleton
    np.testing.assert_allclose(joint_frames(),
                               build_skeleton(HandDims()).bone_frames(),
                               atol=1e-12)
