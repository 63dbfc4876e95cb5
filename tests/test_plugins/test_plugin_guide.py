"""docs/plugins.md shows the example plugin's real code and commands.

Every block marked ``<!-- excerpt: PATH -->`` must appear, line for line and
in order, in PATH; every command of the ``<!-- commands -->`` block must name
files that exist. ``test_example_plugin.py`` runs those commands (install,
train) on a toy dataset.
"""
import re
import shlex
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
GUIDE = REPO / 'docs' / 'plugins.md'
BLOCK = re.compile(r'<!-- (excerpt: (?P<path>\S+)|commands) -->\n```\w*\n'
                   r'(?P<body>.*?)```', re.S)


def _blocks(kind):
    for match in BLOCK.finditer(GUIDE.read_text()):
        if (match.group('path') is not None) == (kind == 'excerpt'):
            yield match.group('path'), match.group('body')


def _appears_in_order(lines, text):
    position = 0
    for line in lines:
        position = text.find(line, position)
        if position < 0:
            return line
        position += len(line)
    return None


def test_guide_has_excerpts_and_commands():
    assert len(list(_blocks('excerpt'))) >= 6
    assert len(list(_blocks('commands'))) == 1


@pytest.mark.parametrize('path,body', list(_blocks('excerpt')))
def test_excerpt_is_the_real_code(path, body):
    source = (REPO / path).read_text()
    lines = [line for line in body.splitlines() if line.strip()]
    missing = _appears_in_order(lines, source)
    assert missing is None, f'{path} no longer contains: {missing!r}'


def test_commands_name_existing_files():
    (_, body), = _blocks('commands')
    for command in body.splitlines():
        words = shlex.split(command)
        paths = [w for w in words if w.startswith(('plugins/', 'tools/'))]
        assert paths, command
        for path in paths:
            assert (REPO / path).exists(), f'{command}: {path} is missing'
