"""model_zoo.md (top level) against the code: its download table equals the
index, every repository path it names exists, every ``python tools/...``
command it shows parses with that tool, and each converted checkpoint's
convert command is the index's."""
import re
import shlex

import pytest

from egohands.checkpoint_converters import CONVERTERS
from egohands.hub.model_zoo import BUILTIN_ENTRIES, markdown_drift

#: a path inside the repository, not part of a longer path or URL
REPO_PATH = re.compile(
    r'(?<![\w./:-])((?:configs|tools|egohands|tests|docs)/[\w./-]*[\w/])')
FENCE = re.compile(r'```[a-z]*\n(.*?)```', re.S)
INLINE_COMMAND = re.compile(r'`(python tools/[^`]+)`')


@pytest.fixture(scope='module')
def zoo_text(repo_root):
    return (repo_root / 'model_zoo.md').read_text()


def shown_commands(text):
    """Argument lists of the ``python tools/...`` commands: fenced lines
    (``\\`` continuations joined, comments dropped) and inline code."""
    commands = []
    for block in FENCE.findall(text):
        for line in block.replace('\\\n', ' ').splitlines():
            if line.startswith('python tools/'):
                commands.append(shlex.split(line, comments=True))
    commands += [shlex.split(c) for c in INLINE_COMMAND.findall(text)]
    return [argv[1:] for argv in commands]


def test_download_table_matches_the_index(zoo_text):
    problems = markdown_drift(zoo_text, BUILTIN_ENTRIES)
    assert problems == [], (
        'model_zoo.md and egohands/hub/model_zoo.py disagree: '
        f'{problems}; paste the output of python tools/download.py '
        '--markdown into its download index')


def test_named_repository_paths_exist(zoo_text, repo_root):
    paths = set(REPO_PATH.findall(zoo_text))
    # the pattern works
    assert 'configs/potter/potter_poolattn-s12_1xb64-70e_egoexo4d-224x224.py' \
        in paths
    assert {'tools/download.py', 'tools/convert_checkpoint.py'} <= paths
    missing = sorted(p for p in paths if not (repo_root / p).exists())
    assert missing == [], f'model_zoo.md names missing paths: {missing}'


def test_shown_commands_parse(zoo_text, load_tool):
    commands = shown_commands(zoo_text)
    tools = {argv[0] for argv in commands}
    assert {'tools/download.py', 'tools/convert_checkpoint.py',
            'tools/test.py'} <= tools
    for tool, *args in commands:
        try:
            load_tool(tool).parse_args(args)
        except SystemExit:
            pytest.fail(f'model_zoo.md: `python {tool} {" ".join(args)}` '
                        'does not parse')


def test_convert_commands_are_the_index_ones(zoo_text):
    """Every converter the file uses exists; every index entry whose
    converter exists has its command in the file (SRC filled in)."""
    shown = [args for tool, *args in shown_commands(zoo_text)
             if tool == 'tools/convert_checkpoint.py']
    assert shown and all(args[0] in CONVERTERS for args in shown), shown
    converted = [e for e in BUILTIN_ENTRIES if e.convert and
                 e.convert.split()[2] in CONVERTERS]
    assert {e.name for e in converted} >= {'hamer',
                                           'potter_egoexo4d_baseline'}
    for entry in converted:
        pattern = re.escape(entry.convert).replace('SRC', r'\S+')
        assert re.search(pattern, zoo_text), (
            f'model_zoo.md does not show {entry.name}\'s convert command '
            f'{entry.convert!r}')
