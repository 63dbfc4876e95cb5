"""A tiny EgoExo4D release (raw + processed + images), built once."""
import os

import pytest


@pytest.fixture(scope='session')
def egoexo4d_release(tmp_path_factory):
    """(RawRelease, processed folder): the release of egohands.testing.
    egoexo4d converted with the official rules, with images and a public
    test file made from the val boxes."""
    from egohands.testing.egoexo4d import (build_raw_release,
                                           make_processed_egoexo4d)
    root = tmp_path_factory.mktemp('egoexo4d')
    out = make_processed_egoexo4d(str(root))
    # the same release again, to read the expectations from
    release = build_raw_release(os.path.join(str(root), 'raw_again'))
    return release, out
