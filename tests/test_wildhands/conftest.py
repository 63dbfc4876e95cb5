"""Shared fixtures of the WildHands tests: the synthetic MANO-format hand
and a toy two-hand dataset."""
import pytest

# the synthetic MANO-format hand, written once per session
from test_hamer.conftest import hand_dir  # noqa: F401


@pytest.fixture(scope='session')
def toy_two_hand(tmp_path_factory):
    """A toy canonical-format dataset (one or two hands per 64-px image,
    masks, grasp labels and MANO records)."""
    from egohands.testing import make_toy_hand_dataset
    return make_toy_hand_dataset(tmp_path_factory.mktemp('wildhands_toy'),
                                 num_images=6, size=64, seed=3,
                                 splits=('train', ), with_mano=True)


def two_hand_dataset_cfg(toy, frame_size=64, crop_size=64, mask_size=32,
                         **crops):
    """``TwoHandImageDataset`` over the toy train split."""
    return dict(
        type='TwoHandImageDataset',
        hands=dict(type='EgoHandsCocoDataset', data_root=toy['data_root'],
                   ann_file=toy['ann_files']['train']),
        pipeline=[dict(type='LoadImage'),
                  dict(type='TwoHandCrops', frame_size=frame_size,
                       crop_size=crop_size, mask_size=mask_size, **crops),
                  dict(type='PackTwoHandInputs')])
