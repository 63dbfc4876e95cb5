"""Joint-order tables checked by joint names, and the remap functions."""
import numpy as np
import pytest
import torch

from egohands.datasets.metainfo import JOINT_NAMES
from egohands.geometry import (ASSEMBLYHANDS_LEFT_TO_CANONICAL,
                               ASSEMBLYHANDS_RIGHT_TO_CANONICAL,
                               CANONICAL_TO_MANO, MANO_TO_CANONICAL,
                               UMETRACK_TO_CANONICAL, from_canonical,
                               to_canonical)

# native orders, written with canonical joint names (see datasets.md §1)
MANO_NAMES = ['wrist', 'index1', 'index2', 'index3', 'middle1', 'middle2',
              'middle3', 'pinky1', 'pinky2', 'pinky3', 'ring1', 'ring2',
              'ring3', 'thumb1', 'thumb2', 'thumb3', 'thumb4', 'index4',
              'middle4', 'ring4', 'pinky4']
ASSEMBLYHANDS_NAMES = [f'{finger}{k}' for finger in
                       ('thumb', 'index', 'middle', 'ring', 'pinky')
                       for k in (4, 3, 2, 1)] + ['wrist']
# UmeTrack: tips, wrist, thumb intermediate (MCP) and distal (IP), then
# proximal / intermediate / distal (MCP / PIP / DIP) of four fingers, palm
UMETRACK_NAMES = ['thumb4', 'index4', 'middle4', 'ring4', 'pinky4', 'wrist',
                  'thumb2', 'thumb3'] + [
                      f'{finger}{k}' for finger in
                      ('index', 'middle', 'ring', 'pinky') for k in (1, 2, 3)
                  ] + ['palm_center']


@pytest.mark.parametrize('names,table', [
    (MANO_NAMES, MANO_TO_CANONICAL),
    (ASSEMBLYHANDS_NAMES, ASSEMBLYHANDS_RIGHT_TO_CANONICAL),
])
def test_tables_put_every_named_joint_in_its_canonical_slot(names, table):
    assert [names[i] for i in table] == list(JOINT_NAMES)


def test_umetrack_table_has_no_thumb_cmc():
    mapped = [UMETRACK_NAMES[i] if i >= 0 else None
              for i in UMETRACK_TO_CANONICAL]
    expected = [n if n != 'thumb1' else None for n in JOINT_NAMES]
    assert mapped == expected


def test_assemblyhands_left_block_and_hamer_inverse():
    np.testing.assert_array_equal(ASSEMBLYHANDS_LEFT_TO_CANONICAL,
                                  ASSEMBLYHANDS_RIGHT_TO_CANONICAL + 21)
    # HaMeR's OpenPose -> MANO+tips list (seed_methods.md §0)
    np.testing.assert_array_equal(
        CANONICAL_TO_MANO,
        [0, 5, 6, 7, 9, 10, 11, 17, 18, 19, 13, 14, 15, 1, 2, 3, 4, 8, 12,
         16, 20])


def test_to_and_from_canonical_round_trip_numpy_and_torch():
    rng = np.random.default_rng(0)
    mano = rng.normal(size=(2, 21, 3))
    canonical, valid = to_canonical(mano, MANO_TO_CANONICAL)
    np.testing.assert_array_equal(canonical[:, 1], mano[:, 13])  # thumb1
    np.testing.assert_array_equal(valid, 1)
    np.testing.assert_array_equal(from_canonical(canonical, MANO_TO_CANONICAL),
                                  mano)
    canonical_t, _ = to_canonical(torch.from_numpy(mano), MANO_TO_CANONICAL)
    np.testing.assert_array_equal(canonical_t.numpy(), canonical)
    back_t = from_canonical(canonical_t, MANO_TO_CANONICAL)
    np.testing.assert_array_equal(back_t.numpy(), mano)


def test_missing_joints_are_zero_and_invalid():
    umetrack = np.arange(21 * 3, dtype=np.float64).reshape(21, 3) + 1
    source_valid = np.ones(21)
    source_valid[5] = 0  # wrist not annotated
    canonical, valid = to_canonical(umetrack, UMETRACK_TO_CANONICAL,
                                    source_valid)
    np.testing.assert_array_equal(canonical[1], 0)  # thumb1 absent
    assert valid[1] == 0 and valid[0] == 0 and valid[2] == 1
    back = from_canonical(canonical, UMETRACK_TO_CANONICAL, num_source=21)
    np.testing.assert_array_equal(back[20], 0)  # palm centre has no slot
    np.testing.assert_array_equal(back[:20], umetrack[:20])
