"""Write pickles that reference chumpy classes, as the official MANO files
do, without chumpy: a stand-in ``chumpy.ch.Ch`` lives in ``sys.modules``
only while pickling."""
import contextlib
import pickle
import sys
import types

import numpy as np


@contextlib.contextmanager
def fake_chumpy_module():
    """Register a module ``chumpy.ch`` with a class ``Ch`` whose state looks
    like a real Ch's (value in ``x`` plus bookkeeping keys); yield ``Ch``."""
    package = types.ModuleType('chumpy')
    module = types.ModuleType('chumpy.ch')

    class Ch:

        def __init__(self, x):
            self.x = np.asarray(x)
            self._depends_on_deps = {}
            self._dirty_vars = set()
            self._itr = None
            self._make_dense = None
            self._make_sparse = None

    Ch.__module__, Ch.__qualname__ = 'chumpy.ch', 'Ch'
    module.Ch = package.Ch = Ch
    package.ch = module
    saved = {name: sys.modules.get(name) for name in ('chumpy', 'chumpy.ch')}
    sys.modules.update({'chumpy': package, 'chumpy.ch': module})
    try:
        yield Ch
    finally:
        for name, old in saved.items():
            if old is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = old


def write_official_like(path, data, chumpy_keys=('shapedirs', 'v_template',
                                                 'posedirs')):
    """Pickle ``data`` like the downloaded MANO file: ``chumpy_keys`` as
    ``chumpy.ch.Ch`` objects and ``J_regressor`` as a scipy csc matrix."""
    from scipy import sparse
    official = dict(data)
    official['J_regressor'] = sparse.csc_matrix(data['J_regressor'])
    with fake_chumpy_module() as Ch:
        for key in chumpy_keys:
            official[key] = Ch(data[key])
        with open(path, 'wb') as f:
            pickle.dump(official, f, protocol=2)
