"""Every config in configs/ loads, validates and inherits at most 2 levels
(a config may inherit a file that itself inherits, no deeper)."""
import ast
import re
from pathlib import Path

import pytest
from mmengine.config import Config

from egohands.apis.config_validation import validate_config

CONFIG_ROOT = Path(__file__).resolve().parents[2] / 'configs'
CONFIGS = sorted(p for p in CONFIG_ROOT.rglob('*.py')
                 if '_base_' not in p.parts)
BASES = sorted(CONFIG_ROOT.glob('_base_/**/*.py'))


def config_bases(path: Path):
    """The files the ``_base_`` of a config names, as resolved paths."""
    tree = ast.parse(path.read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
                getattr(t, 'id', None) == '_base_' for t in node.targets):
            value = ast.literal_eval(node.value)
            names = [value] if isinstance(value, str) else list(value)
            return [(path.parent / name).resolve() for name in names]
    return []


def inheritance_depth(path: Path) -> int:
    """0 for a config without _base_, 1 + the deepest base otherwise."""
    bases = config_bases(path)
    return 1 + max(map(inheritance_depth, bases)) if bases else 0


def test_depth_of_a_hand_made_chain(tmp_path):
    (tmp_path / 'a.py').write_text('x = 1\n')
    (tmp_path / 'b.py').write_text("_base_ = ['a.py']\n")
    (tmp_path / 'c.py').write_text("_base_ = 'b.py'\ny = 2\n")
    assert [inheritance_depth(tmp_path / f'{n}.py') for n in 'abc'] == [
        0, 1, 2]


def test_there_are_configs():
    assert any('tiny' in p.parts for p in CONFIGS)


@pytest.mark.parametrize('path', CONFIGS,
                         ids=[str(p.relative_to(CONFIG_ROOT)) for p in CONFIGS])
def test_config_is_valid_and_shallow(path):
    assert inheritance_depth(path) <= 2, f'{path}: more than 2 _base_ levels'
    cfg = Config.fromfile(str(path))
    assert cfg.default_scope == 'egohands'
    validate_config(cfg, str(path))


@pytest.mark.parametrize('path', BASES,
                         ids=[str(p.relative_to(CONFIG_ROOT)) for p in BASES])
def test_base_file_inherits_at_most_one_level(path):
    """A config inheriting a _base_ file stays within the 2 levels."""
    assert inheritance_depth(path) <= 1, f'{path}: inherits a file that ' \
        'itself inherits: a config inheriting it would be 3 levels deep'
    assert all('_base_' in base.parts for base in config_bases(path))
    Config.fromfile(str(path))


#: {method}_{backbone}_{gpus}xb{batch}-{epochs}e|{iters}it_{dataset}-{h}x{w}
NAME_PATTERN = re.compile(
    r'(?P<method>[a-z0-9]+(-[a-z0-9]+)*)_(?P<backbone>[a-z0-9]+(-[a-z0-9]+)*)'
    r'_(?P<gpus>\d+)xb(?P<batch>\d+)-(?P<length>\d+)(?P<unit>e|it)'
    r'_(?P<dataset>[a-z0-9]+(-[a-z0-9]+)*)-(?P<h>\d+)x(?P<w>\d+)\.py')
#: the one config outside the pattern: users are told to run this path
FIXED_PATHS = ['hamer_ft_egoexo.py']
NAMED = [p for p in CONFIGS
         if p.relative_to(CONFIG_ROOT).as_posix() not in FIXED_PATHS]


def test_fixed_paths_exist():
    assert all((CONFIG_ROOT / name).is_file() for name in FIXED_PATHS)
    assert len(NAMED) == len(CONFIGS) - len(FIXED_PATHS)


@pytest.mark.parametrize('path', NAMED,
                         ids=[str(p.relative_to(CONFIG_ROOT)) for p in NAMED])
def test_config_name_follows_the_pattern_and_says_the_truth(path):
    """docs/architecture.md section 4: the name's folder, batch, schedule
    and crop are the config's."""
    name = NAME_PATTERN.fullmatch(path.name)
    assert name, f'{path.name} does not follow the name pattern'
    assert name['method'].split('-')[0] == path.parent.name
    cfg = Config.fromfile(str(path))
    assert cfg.train_dataloader.batch_size == int(name['batch'])
    length = 'max_epochs' if name['unit'] == 'e' else 'max_iters'
    assert cfg.train_cfg[length] == int(name['length'])
    # a top-down crop, a multi-view perspective crop, a detector's whole
    # image resized to a square, or the hand crops of two-hand samples
    sizes = dict(TopdownAffine=lambda t: t.input_size,
                 ResizeImage=lambda t: (t.size, t.size),
                 MultiViewPerspectiveCrop=lambda t: (t.crop_size, t.crop_size),
                 TwoHandCrops=lambda t: (t.crop_size, t.crop_size))
    crops = [sizes[t.type](t) for t in cfg.test_dataloader.dataset.pipeline
             if t.type in sizes]
    assert [tuple(c) for c in crops] == [(int(name['w']), int(name['h']))]
