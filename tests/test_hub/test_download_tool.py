"""tools/download.py in-process: --list, --markdown, a verified download, a
manual entry's one-line refusal."""
import pytest

from egohands.apis.cli import run_cli
from egohands.hub.model_zoo import BUILTIN_ENTRIES, markdown_table
from .conftest import write_index


@pytest.fixture(scope='module')
def download_main(load_tool):
    return load_tool('tools/download.py').main


def test_list_and_markdown(download_main, capsys):
    assert download_main(['--list']) == 0
    listing = capsys.readouterr().out
    for entry in BUILTIN_ENTRIES:
        assert entry.name in listing
    assert 'manual' in listing
    assert download_main(['--markdown']) == 0
    assert capsys.readouterr().out.strip() == markdown_table(BUILTIN_ENTRIES)


def test_download_from_an_index_file(download_main, server, tmp_path,
                                     capsys):
    content = b'weights' * 1000
    sha = server.publish('lab.pth', content)
    index = write_index(tmp_path / 'index.json', [dict(
        name='lab', filename='lab.pth', url=server.url('lab.pth'),
        sha256=sha, size=len(content),
        convert='python tools/convert_checkpoint.py hamer SRC out.pth')])
    dest = tmp_path / 'ckpt'
    assert download_main(['lab', '--dest', str(dest), '--index', index,
                          '--quiet']) == 0
    assert (dest / 'lab.pth').read_bytes() == content
    printed = capsys.readouterr().out
    assert 'sha256 verified' in printed
    assert f'convert_checkpoint.py hamer {dest / "lab.pth"} out.pth' in \
        printed
    # the progress bar goes to stderr when not --quiet (already in place:
    # no request, no bar)
    assert download_main(['lab', '--dest', str(dest), '--index', index]) == 0
    assert server.requests == ['/lab.pth']


def test_manual_entry_and_mistakes_are_one_line(download_main, tmp_path,
                                                capsys, monkeypatch):
    monkeypatch.delenv('EGOHANDS_DEBUG', raising=False)
    cases = [
        (['hamer', '--dest', str(tmp_path)],
         'python tools/convert_checkpoint.py hamer SRC'),
        (['pcie_hpvit_vit-b', '--dest', str(tmp_path)], 'Google Drive'),
        (['no_such_model'], 'not in the model zoo'),
        ([], '--list'),
        (['hamer', 'wildhands', '--sha256', 'a' * 64], 'one entry'),
        (['hamer', '--sha256', 'xyz'], '64 hex digits'),
    ]
    for argv, message in cases:
        assert run_cli(download_main, argv) == 2
        err = capsys.readouterr().err
        assert err.startswith('error: ') and message in err, err
        assert err.count('\n') == 1
    assert list(tmp_path.iterdir()) == []
