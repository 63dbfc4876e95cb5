"""The index: built-in entries, extra JSON index files, the markdown table
and drift detection (model_zoo.md itself: test_model_zoo_doc.py)."""
import urllib.request

import pytest

from egohands.hub.download import download_model
from egohands.hub.model_zoo import (BUILTIN_ENTRIES, TABLE_BEGIN,
                                    ModelZooEntry, check_entry, get_entry,
                                    markdown_drift, markdown_table,
                                    model_zoo_index, parse_markdown_table)
from egohands.utils.errors import ConfigError, MissingAssetError
from .conftest import write_index

#: upstream files without a published hash (issue: refuse, explain, convert)
MANUAL = ('hamer', 'potter_egoexo4d_baseline', 'pcie_hpvit_vit-b',
          'pcie_hpvit_vit-l', 'wildhands')


def test_builtin_entries_are_well_formed(repo_root):
    names = [entry.name for entry in BUILTIN_ENTRIES]
    assert len(names) == len(set(names))
    for entry in BUILTIN_ENTRIES:
        check_entry(entry, 'built-in')
        assert entry.config is None or (repo_root / entry.config).is_file()
        assert entry.description and entry.source.startswith('https://')
        assert entry.url is None or entry.url.startswith('https://')
        if not entry.verifiable:
            assert entry.how_to_obtain, entry.name
        if entry.convert:
            assert 'tools/convert_checkpoint.py' in entry.convert
            assert ' SRC ' in entry.convert


def test_manual_entries_are_refused_without_network(tmp_path, monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError('a manual entry must not be downloaded')

    monkeypatch.setattr(urllib.request, 'urlopen', no_network)
    for name in MANUAL:
        entry = get_entry(name)
        assert not entry.verifiable
        with pytest.raises(MissingAssetError) as info:
            download_model(name, dest=str(tmp_path))
        assert entry.convert.split(' SRC')[0] in str(info.value)
    assert list(tmp_path.iterdir()) == []


def test_index_files_add_and_replace_entries(tmp_path, monkeypatch):
    extra = write_index(tmp_path / 'extra.json', [
        dict(name='lab_model', filename='lab.pth', sha256='a' * 64,
             url='https://example.org/lab.pth', size=10),
        dict(name='hamer', filename='hamer.pth', sha256='b' * 64)])
    index = model_zoo_index([extra])
    assert index['lab_model'].size == 10 and index['lab_model'].verifiable
    assert index['hamer'].filename == 'hamer.pth'
    assert set(index) >= {e.name for e in BUILTIN_ENTRIES}
    monkeypatch.setenv('EGOHANDS_MODEL_ZOO_INDEX', extra)
    assert model_zoo_index()['hamer'].sha256 == 'b' * 64


@pytest.mark.parametrize('item, message', [
    (dict(name='a', filename='a.pth', sha256='XYZ'), '64 lowercase hex'),
    (dict(name='a', filename='a.pth', sha=1), 'unknown field'),
    (dict(name='a', filename='../a.pth'), 'plain file name'),
    (dict(name='a', filename='a.pth', size=-3), 'number of bytes'),
    (dict(name='a'), 'at least "name" and "filename"'),
])
def test_malformed_index_entries_are_named(tmp_path, item, message):
    path = write_index(tmp_path / 'bad.json', [item])
    with pytest.raises(ConfigError, match=message) as info:
        model_zoo_index([path])
    assert 'bad.json' in str(info.value)


def test_markdown_table_round_trip():
    entries = [ModelZooEntry(name='x', filename='x.pth', description='',
                             url='https://e.org/x.pth', sha256='c' * 64,
                             size=12, source='https://e.org'),
               ModelZooEntry(name='y', filename='y.pth', description='')]
    rows = parse_markdown_table(markdown_table(entries))
    assert rows['x'] == dict(name='x', filename='x.pth', size='12',
                             sha256='c' * 64, url='https://e.org/x.pth',
                             source='https://e.org')
    assert rows['y']['sha256'] is None and rows['y']['url'] is None


def test_drift_is_detected_both_ways():
    entries = [ModelZooEntry(name='x', filename='x.pth', description='',
                             sha256='c' * 64, url='https://e.org/x.pth'),
               ModelZooEntry(name='y', filename='y.pth', description='')]
    table = markdown_table(entries)
    assert markdown_drift(table, entries) == []
    other_hash = table.replace('c' * 64, 'd' * 64)
    assert markdown_drift(other_hash, entries) == ['x: sha256 differ']
    other_url = table.replace('https://e.org/x.pth', 'https://e.org/z.pth')
    assert markdown_drift(other_url, entries) == ['x: url differ']
    assert markdown_drift(table, entries[:1]) == [
        'y: in the table, not in the index']
    assert markdown_drift(markdown_table(entries[:1]), entries) == [
        'y: in the index, not in the table']
    with pytest.raises(ValueError, match=TABLE_BEGIN):
        markdown_drift('no table here', entries)
