"""The model-zoo index: every checkpoint egohands knows how to obtain.

This module is the single source of the download table of
``model_zoo.md`` (a test checks that the two agree;
``python tools/download.py --markdown`` prints the table). An entry with a
``sha256`` is *verifiable*: ``tools/download.py NAME`` fetches it and checks
hash and size before the file is used. Upstream files without a published
hash (licence-gated pages, Google Drive) have ``sha256=None``: they are
never downloaded unverified; the tool prints ``how_to_obtain`` and the
``convert`` command instead, unless the user pins a hash with ``--sha256``.

More entries (a lab's own checkpoints, a mirror's) come from JSON files: a
list of objects with the fields of :class:`ModelZooEntry`, named by the
``EGOHANDS_MODEL_ZOO_INDEX`` environment variable (several paths separated
by ``os.pathsep``) or passed as ``index_files``; they add to the built-in
entries and replace those of the same name. An index may also be an
``http(s)://`` or ``file://`` URL (a team's index hosted anywhere, as
written by ``tools/publish_model.py``); an entry ``url`` without a scheme
is relative to its index's location.
"""
from __future__ import annotations

import dataclasses
import difflib
import json
import os
import re
from typing import Dict, Iterable, List, Optional, Sequence

from egohands.utils.errors import ConfigError, MissingAssetError

INDEX_ENV = 'EGOHANDS_MODEL_ZOO_INDEX'
SHA256_PATTERN = re.compile(r'^[0-9a-f]{64}$')
#: the download table of model_zoo.md sits between these lines
TABLE_BEGIN = '<!-- model-zoo-index:begin -->'
TABLE_END = '<!-- model-zoo-index:end -->'
NONE_CELL = '—'

POTTER_CONFIG = ('configs/potter/'
                 'potter_poolattn-s12_1xb64-70e_egoexo4d-224x224.py')


@dataclasses.dataclass(frozen=True)
class ModelZooEntry:
    """One downloadable (or obtainable by hand) checkpoint.

    Attributes:
        name: what ``tools/download.py NAME`` takes.
        filename: the file name on disk and on a mirror.
        description: one line: model, training data, what it is for.
        url: direct HTTP(S) link to the file, or None (obtain by hand).
        sha256: 64 lowercase hex digits, or None when upstream publishes no
            hash (the entry is then not verifiable).
        size: bytes, or None when unknown.
        source: the page where the file is published.
        how_to_obtain: manual steps (licence registration, Drive folder).
        convert: command that turns the file into an egohands checkpoint
            (``SRC`` / ``DST`` placeholders), or None if it loads as is.
        config: the egohands config the checkpoint is for, or None.
        metrics: test metrics of the checkpoint (name -> value), or None.
    """

    name: str
    filename: str
    description: str
    url: Optional[str] = None
    sha256: Optional[str] = None
    size: Optional[int] = None
    source: str = ''
    how_to_obtain: str = ''
    convert: Optional[str] = None
    config: Optional[str] = None
    metrics: Optional[Dict[str, float]] = None

    @property
    def verifiable(self) -> bool:
        """True if the index holds the file's sha256."""
        return self.sha256 is not None


_DRIVE_FILE = 'https://drive.google.com/file/d/{}/view'
_DRIVE_FOLDER = 'https://drive.google.com/drive/folders/{}'

#: built-in entries; model_zoo.md's table is checked against these
BUILTIN_ENTRIES = (
    ModelZooEntry(
        name='hamer',
        filename='hamer_demo_data.tar.gz',
        description='HaMeR ViT-H (geopavlakos/hamer) demo data: holds '
        '_DATA/hamer_ckpts/checkpoints/hamer.ckpt (Lightning), ~5.7 GB',
        url='https://www.cs.utexas.edu/~pavlakos/hamer/data/'
        'hamer_demo_data.tar.gz',
        source='https://github.com/geopavlakos/hamer',
        how_to_obtain='download https://www.cs.utexas.edu/~pavlakos/hamer/'
        'data/hamer_demo_data.tar.gz (or Google Drive id '
        '1mv7CUAnm73oKsEEG1xE3xH2C_oqcFSzT), extract it and take '
        '_DATA/hamer_ckpts/checkpoints/hamer.ckpt (MANO files come '
        'separately: docs/hand_models.md)',
        convert='python tools/convert_checkpoint.py hamer SRC '
        'checkpoints/hamer.pth',
        config='configs/hamer_ft_egoexo.py'),
    ModelZooEntry(
        name='potter_egoexo4d_baseline',
        filename='POTTER-HandPose-ego4d.pt',
        description='POTTER hand-pose baseline of EgoExo4D '
        '(EGO4D/ego-exo4d-egopose handpose/models/POTTER)',
        source=_DRIVE_FOLDER.format('1WSvV7wvmYBvFhB5KwK6PRXwV5dpHd9Hf'),
        how_to_obtain='download POTTER-HandPose-ego4d.pt from the Google '
        'Drive folder linked in EGO4D/ego-exo4d-egopose '
        'handpose/models/POTTER/README.md',
        convert='python tools/convert_checkpoint.py potter SRC '
        'checkpoints/potter_egoexo4d_baseline.pth',
        config=POTTER_CONFIG),
    ModelZooEntry(
        name='potter_cls_s12',
        filename='cls_s12.pth',
        description='POTTER_cls s12 ImageNet weights (zczcwh/POTTER), the '
        'initialisation of the POTTER hand baseline',
        source='https://github.com/zczcwh/POTTER',
        how_to_obtain='download the poolattnformer_s12 weights linked in '
        'zczcwh/POTTER image_classification/README.md and save them as '
        'checkpoints/potter_cls_s12.pth (read by POTTERBackbone(pretrained='
        '...), no conversion)',
        config=POTTER_CONFIG),
    ModelZooEntry(
        name='pcie_hpvit_vit-b',
        filename='ViTFormer-Base.pt',
        description='HP-ViT / ViTFormer-Base 256x192 of PCIE_EgoHandPose '
        '(EgoExo4D val MPJPE 24.67, PA-MPJPE 9.31 mm)',
        source=_DRIVE_FILE.format('1Wdye-g2KiC_0XcGy33tfgvWy8Y06ir-4'),
        how_to_obtain='download the ViTFormer-Base checkpoint from the '
        'Google Drive link of KanokphanL/PCIE_EgoHandPose README.md',
        convert='python tools/convert_checkpoint.py pcie SRC '
        'checkpoints/hpvit_vit-b_egoexo4d.pth',
        config=('configs/hpvit/'
                'hpvit-pcie_vit-b_1xb64-70e_egoexo4d-192x256.py')),
    ModelZooEntry(
        name='pcie_hpvit_vit-l',
        filename='ViTFormer-Large.pt',
        description='HP-ViT / ViTFormer-Large 256x192 of PCIE_EgoHandPose '
        '(EgoExo4D val MPJPE 23.38, PA-MPJPE 9.05 mm)',
        source=_DRIVE_FILE.format('1wzHyKPU4Hym9GS48n42J5I-uoTin_QZv'),
        how_to_obtain='download the ViTFormer-Large checkpoint from the '
        'Google Drive link of KanokphanL/PCIE_EgoHandPose README.md',
        convert='python tools/convert_checkpoint.py pcie SRC '
        'checkpoints/hpvit_vit-l_egoexo4d.pth',
        config=('configs/hpvit/'
                'hpvit-pcie_vit-l_1xb16-70e_egoexo4d-192x256.py')),
    ModelZooEntry(
        name='wildhands',
        filename='wildhands.ckpt',
        description='WildHands (ap229997/hands, ECCV 2024) Lightning '
        'checkpoint, with intrx.pkl',
        source=_DRIVE_FOLDER.format('1vjqBPicZagi0Xx0c_ItzAlISaj-pCigG'),
        how_to_obtain='download wildhands.ckpt and intrx.pkl from the Google '
        'Drive folder of fetch_models.sh (ap229997/hands, branch demo)',
        convert='python tools/convert_checkpoint.py wildhands SRC '
        'checkpoints/wildhands.pth',
        config=('configs/wildhands/'
                'wildhands_resnet50_1xb32-100e_egosynth-wide-224x224.py')),
)


def _entry_from_json(item: dict, where: str) -> ModelZooEntry:
    fields = {f.name for f in dataclasses.fields(ModelZooEntry)}
    if not isinstance(item, dict) or not {'name', 'filename'} <= set(item):
        raise ConfigError(f'{where}: every entry must be an object with at '
                          f'least "name" and "filename", got {item!r}')
    unknown = sorted(set(item) - fields)
    if unknown:
        raise ConfigError(f'{where}: entry {item["name"]!r} has unknown '
                          f'field(s) {unknown}; known: {sorted(fields)}')
    item = dict(item)
    item.setdefault('description', '')
    return check_entry(ModelZooEntry(**item), where)


def check_entry(entry: ModelZooEntry, where: str) -> ModelZooEntry:
    """Raise a ConfigError naming ``where`` unless the entry is well formed."""
    if entry.sha256 is not None and not SHA256_PATTERN.match(entry.sha256):
        raise ConfigError(f'{where}: entry {entry.name!r}: sha256 must be 64 '
                          f'lowercase hex digits, got {entry.sha256!r}')
    if entry.size is not None and (not isinstance(entry.size, int)
                                   or entry.size < 0):
        raise ConfigError(f'{where}: entry {entry.name!r}: size must be a '
                          f'number of bytes, got {entry.size!r}')
    if os.path.basename(entry.filename) != entry.filename or \
            entry.filename in ('', '.', '..'):
        raise ConfigError(f'{where}: entry {entry.name!r}: filename must be '
                          f'a plain file name, got {entry.filename!r}')
    return entry


def _is_url(path: str) -> bool:
    return re.match(r'^(https?|file)://', path) is not None


def _read_index_text(path: str) -> str:
    if not _is_url(path):
        with open(path) as f:
            return f.read()
    import urllib.request
    with urllib.request.urlopen(path, timeout=60) as response:
        return response.read().decode('utf-8')


def _resolve_url(entry: ModelZooEntry, index_path: str) -> ModelZooEntry:
    """An entry whose ``url`` has no scheme, with the url made absolute
    against its index's location."""
    if entry.url is None or _is_url(entry.url):
        return entry
    import urllib.parse
    import urllib.request
    base = index_path if _is_url(index_path) else 'file:' + \
        urllib.request.pathname2url(os.path.abspath(index_path))
    return dataclasses.replace(entry,
                               url=urllib.parse.urljoin(base, entry.url))


def read_index_file(path: str) -> List[ModelZooEntry]:
    """Entries of a JSON index (a list of entry objects), a file or a
    URL."""
    try:
        items = json.loads(_read_index_text(path))
    except (OSError, ValueError) as err:
        raise ConfigError(f'model-zoo index {path}: cannot read it as JSON '
                          f'({err})') from err
    if not isinstance(items, list):
        raise ConfigError(f'model-zoo index {path}: must hold a JSON list of '
                          'entries')
    return [_resolve_url(_entry_from_json(item, f'model-zoo index {path}'),
                         path) for item in items]


def index_paths(value: str) -> List[str]:
    """The paths / URLs of ``$EGOHANDS_MODEL_ZOO_INDEX`` (``os.pathsep``
    separated; the ``:`` of a URL scheme or port does not separate)."""
    if os.pathsep == ':':
        return [p for p in re.split(r':(?!//)(?!\d+(?:/|$))', value) if p]
    return [p for p in value.split(os.pathsep) if p]


def model_zoo_index(index_files: Optional[Sequence[str]] = None
                    ) -> Dict[str, ModelZooEntry]:
    """Name -> entry: built-in entries, then those of ``index_files`` and
    of ``$EGOHANDS_MODEL_ZOO_INDEX`` (later files win)."""
    files = list(index_files or [])
    files += index_paths(os.environ.get(INDEX_ENV, ''))
    entries = {entry.name: entry for entry in BUILTIN_ENTRIES}
    for path in files:
        entries.update((e.name, e) for e in read_index_file(path))
    return entries


def get_entry(name: str, index: Optional[Dict[str, ModelZooEntry]] = None
              ) -> ModelZooEntry:
    """The entry ``name``; a MissingAssetError lists the closest names."""
    index = model_zoo_index() if index is None else index
    if name in index:
        return index[name]
    close = difflib.get_close_matches(name, list(index), n=3, cutoff=0.5)
    hint = f'; did you mean {", ".join(close)}?' if close else ''
    raise MissingAssetError(
        f'{name!r} is not in the model zoo{hint} (python tools/download.py '
        f'--list shows the {len(index)} entries; extra index files go in '
        f'${INDEX_ENV})')


def _cell(value: Optional[object]) -> str:
    return NONE_CELL if value in (None, '') else str(value).replace('|', '/')


def markdown_table(entries: Iterable[ModelZooEntry]) -> str:
    """The download table of model_zoo.md (markers included)."""
    lines = [TABLE_BEGIN,
             '| name | file | size (bytes) | sha256 | download URL | source |',
             '|---|---|---|---|---|---|']
    for e in entries:
        lines.append('| ' + ' | '.join(
            [f'`{e.name}`', f'`{e.filename}`', _cell(e.size),
             _cell(e.sha256 and f'`{e.sha256}`'), _cell(e.url),
             _cell(e.source)]) + ' |')
    lines.append(TABLE_END)
    return '\n'.join(lines)


def parse_markdown_table(text: str) -> Dict[str, Dict[str, Optional[str]]]:
    """Rows of the download table in a markdown text: name -> cells."""
    if TABLE_BEGIN not in text or TABLE_END not in text:
        raise ValueError(f'no {TABLE_BEGIN} ... {TABLE_END} block')
    block = text.split(TABLE_BEGIN, 1)[1].split(TABLE_END, 1)[0]
    rows: Dict[str, Dict[str, Optional[str]]] = {}
    keys = ('name', 'filename', 'size', 'sha256', 'url', 'source')
    for line in block.strip().splitlines()[2:]:
        cells = [c.strip().strip('`') for c in line.strip().strip('|')
                 .split('|')]
        row = {k: (None if c == NONE_CELL else c) for k, c in zip(keys, cells)}
        rows[str(row['name'])] = row
    return rows


def markdown_drift(text: str, entries: Iterable[ModelZooEntry]) -> List[str]:
    """Differences between a markdown download table and the entries (empty
    when they agree on names, files, sizes, hashes, URLs and sources)."""
    expected = parse_markdown_table(markdown_table(entries))
    found = parse_markdown_table(text)
    problems = [f'{name}: in the index, not in the table'
                for name in expected if name not in found]
    problems += [f'{name}: in the table, not in the index'
                 for name in found if name not in expected]
    for name in expected:
        if name in found and found[name] != expected[name]:
            fields = [k for k in expected[name]
                      if expected[name][k] != found[name].get(k)]
            problems.append(f'{name}: {", ".join(fields)} differ')
    return problems
