"""Reading MANO model files, with or without chumpy, and checking them.

The official ``MANO_RIGHT.pkl`` / ``MANO_LEFT.pkl``
(https://mano.is.tue.mpg.de) are Python 2 pickles whose ``shapedirs`` (and
a few other arrays) are ``chumpy.ch.Ch`` objects and whose ``J_regressor``
is a scipy sparse matrix.
chumpy does not install on Python 3.11 with NumPy 2, so egohands never
imports it: :func:`read_mano_pickle` unpickles with a ``find_class`` that
turns every ``chumpy.*`` class into a stub keeping the object's state, and
:func:`plain_arrays` takes each stub's array from its state's ``x``.
:func:`prepare_mano_files` (``tools/prepare_mano.py``) writes plain numpy
pickles that egohands and smplx load.

The unpickler resolves an allow-list of (module, name) pairs (numpy's
array rebuilding, scipy's sparse matrices, a few plain built-in types):
a MANO file needs nothing else, and refusing the rest keeps a crafted
pickle from running code. A user who trusts a file holding anything else
opts in with ``--trust-pickle`` / ``EGOHANDS_TRUST_PICKLE=1``
(``egohands.utils.checkpoint.pickle_trusted``).
"""
from __future__ import annotations

import os
import pickle
from typing import Any, Dict, List, Optional

import numpy as np

from egohands.utils.errors import ConfigError, MissingAssetError

from .mano_layout import (MANO_FILE_NAMES, NUM_HAND_POSE, NUM_MANO_JOINTS,
                          NUM_MANO_VERTICES)

MANO_WEBSITE = 'https://mano.is.tue.mpg.de'
SYNTHETIC_COMMAND = ('python tools/make_hand_model.py --out '
                     'data/hand_models/synthetic')

#: key -> expected shape (None: any size) of a MANO model file
REQUIRED_SHAPES = {
    'v_template': (NUM_MANO_VERTICES, 3),
    'shapedirs': (NUM_MANO_VERTICES, 3, None),
    'posedirs': (NUM_MANO_VERTICES, 3, 9 * (NUM_MANO_JOINTS - 1)),
    'J_regressor': (NUM_MANO_JOINTS, NUM_MANO_VERTICES),
    'weights': (NUM_MANO_VERTICES, NUM_MANO_JOINTS),
    'kintree_table': (2, NUM_MANO_JOINTS),
    'f': (None, 3),
    'hands_components': (None, NUM_HAND_POSE),
    'hands_mean': (NUM_HAND_POSE, ),
}

_NUMPY_CORE = ('numpy.core.multiarray', 'numpy._core.multiarray',
               'numpy.core.numeric', 'numpy._core.numeric')
_PLAIN_TYPES = ('object', 'set', 'frozenset', 'list', 'dict', 'tuple', 'int',
                'float', 'complex', 'bytes', 'bytearray', 'str', 'slice')
#: every global a MANO file (official, prepared or synthetic) names
ALLOWED_GLOBALS = frozenset(
    [('numpy', 'ndarray'), ('numpy', 'dtype'), ('_codecs', 'encode'),
     ('copy_reg', '_reconstructor'), ('copyreg', '_reconstructor'),
     ('collections', 'OrderedDict')] +
    [(module, name) for module in _NUMPY_CORE
     for name in ('_reconstruct', 'scalar', '_frombuffer')] +
    [(module, name) for module in ('__builtin__', 'builtins')
     for name in _PLAIN_TYPES])
_SPARSE_CLASSES = ('csc_matrix', 'csr_matrix', 'coo_matrix')


class ChumpyStub:
    """Stand-in for any chumpy class: keeps the pickled state as attributes
    (a ``Ch`` keeps its value in ``x``)."""

    chumpy_class = 'chumpy'

    def __init__(self, *args, **kwargs) -> None:
        self.args = args

    def __setstate__(self, state: Any) -> None:
        if isinstance(state, dict):
            self.__dict__.update(state)
        else:
            self.state = state


_stub_classes: Dict[str, type] = {}


def _stub_class(module: str, name: str) -> type:
    key = f'{module}.{name}'
    if key not in _stub_classes:
        _stub_classes[key] = type(name, (ChumpyStub, ),
                                  {'chumpy_class': key})
    return _stub_classes[key]


class ChumpyFound(Exception):
    """Raised inside the unpickler when chumpy objects are not accepted."""


class UntrustedGlobal(Exception):
    """Raised inside the unpickler for a global outside the allow-list."""


class _MANOUnpickler(pickle.Unpickler):

    def __init__(self, file, accept_chumpy: bool, trusted: bool) -> None:
        super().__init__(file, encoding='latin1')
        self.accept_chumpy = accept_chumpy
        self.trusted = trusted

    def find_class(self, module: str, name: str):
        if module.split('.')[0] == 'chumpy':
            if not self.accept_chumpy:
                raise ChumpyFound(f'{module}.{name}')
            return _stub_class(module, name)
        if module.startswith('scipy.sparse') and name in _SPARSE_CLASSES:
            import scipy.sparse
            return getattr(scipy.sparse, name)
        if (module, name) not in ALLOWED_GLOBALS and not self.trusted:
            raise UntrustedGlobal(f'{module}.{name}')
        return super().find_class(module, name)


def chumpy_message(path: str) -> str:
    folder = os.path.dirname(os.path.abspath(path))
    return (f'{path} is an official MANO file holding chumpy objects, which '
            f'egohands does not load directly (chumpy does not install on '
            f'Python 3.11 with NumPy 2). Convert the folder once: python '
            f'tools/prepare_mano.py --src {folder} --out '
            f'{folder.rstrip(os.sep)}_prepared, and point the config there')


def read_mano_pickle(path: str, accept_chumpy: bool = False,
                     trust_pickle: Optional[bool] = None) -> Dict:
    """Unpickle a MANO model file without chumpy.

    Args:
        path: the ``.pkl`` file.
        accept_chumpy: if False, a file holding chumpy objects raises
            :class:`MissingAssetError` telling the user to run
            ``tools/prepare_mano.py``; if True, chumpy objects come back as
            :class:`ChumpyStub` (see :func:`plain_arrays`).
        trust_pickle: resolve globals outside :data:`ALLOWED_GLOBALS`
            (None: ``EGOHANDS_TRUST_PICKLE``).

    Returns:
        dict: the file's content (values as pickled).

    Raises:
        MissingAssetError: not a readable MANO file, or (untrusted) one
            naming a global outside the allow-list; nothing of it is run.
    """
    from egohands.utils.checkpoint import TRUST_PICKLE_HINT, pickle_trusted
    try:
        with open(path, 'rb') as f:
            data = _MANOUnpickler(f, accept_chumpy,
                                  pickle_trusted(trust_pickle)).load()
    except ChumpyFound:
        raise MissingAssetError(chumpy_message(path)) from None
    except UntrustedGlobal as err:
        raise MissingAssetError(
            f'{path} names {err}, which no MANO file holds; egohands does '
            f'not run code from a file it does not trust: '
            f'{TRUST_PICKLE_HINT}') from None
    except (pickle.UnpicklingError, EOFError, AttributeError, ImportError,
            ValueError, TypeError) as err:
        raise MissingAssetError(
            f'{path} is not a readable MANO model file ({err}); get the '
            f'model from {MANO_WEBSITE} or make the synthetic one with '
            f'{SYNTHETIC_COMMAND}') from None
    if not isinstance(data, dict):
        raise MissingAssetError(f'{path} is not a MANO model file: it holds '
                                f'a {type(data).__name__}, not a dict')
    return data


def plain_arrays(data: Dict, path: str = '<data>') -> Dict:
    """Replace chumpy stubs by their numpy arrays and sparse matrices by
    dense float64 arrays; other values are kept."""
    out = {}
    for key, value in data.items():
        if isinstance(value, ChumpyStub):
            if 'x' not in value.__dict__:
                raise MissingAssetError(
                    f'{path}: key {key!r} is a {value.chumpy_class} without '
                    f'a stored value x; this converter only reads chumpy '
                    f'arrays (Ch)')
            value = np.asarray(value.__dict__['x'])
        elif hasattr(value, 'toarray') and hasattr(value, 'nnz'):
            value = np.asarray(value.toarray(), dtype=np.float64)
        out[key] = value
    return out


def validate_mano_data(data: Dict, path: str) -> None:
    """Raise :class:`MissingAssetError` naming the first missing key or
    wrong shape."""
    for key, shape in REQUIRED_SHAPES.items():
        if key not in data:
            raise MissingAssetError(
                f'{path} is not a MANO model file: key {key!r} is missing')
        actual = np.shape(data[key])
        if len(actual) != len(shape) or any(
                s is not None and s != a for s, a in zip(shape, actual)):
            expected = tuple('any' if s is None else s for s in shape)
            raise MissingAssetError(
                f'{path}: MANO key {key!r} has shape {actual}, expected '
                f'{expected}')


def missing_model_message(path: str, side: str) -> str:
    return (f'MANO model file not found: {path} ({side} hand, expected '
            f'{MANO_FILE_NAMES[side]} in the configured folder). Real MANO: '
            f'register and download it at {MANO_WEBSITE}, then run '
            f'python tools/prepare_mano.py --src <download folder> --out '
            f'{os.path.dirname(path) or "."}. Synthetic stand-in (not MANO): '
            f'{SYNTHETIC_COMMAND}, then set model_path to that folder')


def resolve_model_file(model_path: str, side: str) -> str:
    """The file of ``side`` for a folder or file ``model_path``; raises
    :class:`MissingAssetError` if it does not exist."""
    if side not in MANO_FILE_NAMES:
        raise ConfigError(f"hand side must be 'right' or 'left', got "
                          f'{side!r}')
    path = str(model_path)
    if not path.endswith('.pkl'):
        path = os.path.join(path, MANO_FILE_NAMES[side])
    other = [s for s, n in MANO_FILE_NAMES.items()
             if n == os.path.basename(path) and s != side]
    if other:
        raise ConfigError(f'{path} is the {other[0]} MANO model but the '
                          f'{side} hand was asked for; give the folder or '
                          f'{MANO_FILE_NAMES[side]}')
    if not os.path.isfile(path):
        raise MissingAssetError(missing_model_message(path, side))
    return path


def load_mano_data(model_path: str, side: str) -> Dict:
    """Read, convert and check the MANO file of ``side``: a dict of plain
    arrays with MANO's keys. Chumpy files raise (run prepare_mano)."""
    path = resolve_model_file(model_path, side)
    data = plain_arrays(read_mano_pickle(path), path)
    validate_mano_data(data, path)
    return data


def prepare_mano_files(src_dir: str, out_dir: str,
                       sides: Optional[List[str]] = None,
                       trust_pickle: Optional[bool] = None) -> List[str]:
    """Convert official MANO pickles in ``src_dir`` into chumpy-free numpy
    pickles (same keys; plain arrays; dense ``J_regressor``) in ``out_dir``
    (``trust_pickle``: see :func:`read_mano_pickle`).

    Returns the written paths. Raises :class:`MissingAssetError` if no MANO
    file is found or one is not a MANO file.
    """
    sides = sides or [s for s in MANO_FILE_NAMES
                      if os.path.isfile(os.path.join(src_dir,
                                                     MANO_FILE_NAMES[s]))]
    if not sides:
        raise MissingAssetError(
            f'no {" or ".join(MANO_FILE_NAMES.values())} in {src_dir}; '
            f'download the MANO model at {MANO_WEBSITE} (the files are in '
            f'mano_v1_2/models/)')
    os.makedirs(out_dir, exist_ok=True)
    written = []
    for side in sides:
        src = resolve_model_file(src_dir, side)
        data = plain_arrays(read_mano_pickle(src, accept_chumpy=True,
                                             trust_pickle=trust_pickle), src)
        validate_mano_data(data, src)
        dst = os.path.join(out_dir, MANO_FILE_NAMES[side])
        if os.path.abspath(dst) == os.path.abspath(src):
            raise MissingAssetError(
                f'--out {out_dir} is the source folder; choose another '
                f'folder so the official files stay untouched')
        with open(dst, 'wb') as f:
            pickle.dump(data, f, protocol=2)
        written.append(dst)
    return written
