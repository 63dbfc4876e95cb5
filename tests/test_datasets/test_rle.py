"""COCO RLE encode/decode against xtcocotools' encoder."""
import numpy as np
import pytest
from xtcocotools import mask as coco_mask

from egohands.datasets.rle import decode_rle, encode_rle, rle_is_valid


@pytest.mark.parametrize('seed', range(6))
def test_encode_matches_xtcocotools_and_round_trips(seed):
    rng = np.random.default_rng(seed)
    height, width = rng.integers(1, 40, 2)
    # blobs of varied run lengths, including very long ones (> 2**10)
    mask = (rng.random((height, width)) < rng.uniform(0.05, 0.95)).astype(
        np.uint8)
    if seed == 0:
        mask = np.zeros((60, 70), np.uint8)
        mask[5:55, 3:66] = 1
    if seed == 1:
        mask = np.ones((9, 4), np.uint8)  # starts with a run of ones
    ours = encode_rle(mask)
    theirs = coco_mask.encode(np.asfortranarray(mask))
    assert ours['counts'] == theirs['counts'].decode()
    assert ours['size'] == list(theirs['size'])
    np.testing.assert_array_equal(decode_rle(ours), mask)
    assert rle_is_valid(ours)


def test_decode_uncompressed_counts_matches_column_major_runs():
    # hand-worked: a 3x2 mask read column by column is 0,1,1 | 1,0,0
    rle = {'size': [3, 2], 'counts': [1, 3, 2]}
    expected = np.array([[0, 1], [1, 0], [1, 0]], np.uint8)
    np.testing.assert_array_equal(decode_rle(rle), expected)
    compressed = coco_mask.frPyObjects(dict(rle), 3, 2)
    np.testing.assert_array_equal(
        decode_rle({'size': [3, 2], 'counts': compressed['counts']}),
        expected)


def test_decode_rejects_counts_of_wrong_total():
    with pytest.raises(ValueError, match='expected 3\\*2=6'):
        decode_rle({'size': [3, 2], 'counts': [1, 3]})
