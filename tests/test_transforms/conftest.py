"""Random hand samples (as a dataset yields them) for the transform tests."""
import numpy as np
import pytest

from egohands.datasets.base_dataset import BaseHandDataset


def random_sample(rng: np.random.Generator, width: int = 120,
                  height: int = 90, square_pixels: bool = False) -> dict:
    """A per-hand dict with a random camera and hand, image of noise.

    The 3D joints (mm) project exactly onto ``keypoints_2d`` with ``K``.
    """
    fx = rng.uniform(60, 200)
    fy = fx if square_pixels else fx * rng.uniform(0.8, 1.25)
    K = np.array([[fx, 0, rng.uniform(0.3, 0.7) * width],
                  [0, fy, rng.uniform(0.3, 0.7) * height], [0, 0, 1]])
    centre = np.array([rng.uniform(-60, 60), rng.uniform(-50, 50),
                       rng.uniform(250, 500)])
    joints = centre + rng.normal(0, 40, (21, 3))
    uvw = joints @ K.T
    keypoints = uvw[:, :2] / uvw[:, 2:]
    sample = BaseHandDataset.empty_hand_info()
    sample.update(
        img=rng.integers(0, 256, (height, width, 3), dtype=np.uint8),
        img_shape=(height, width), K=K.astype(np.float32),
        keypoints_2d=keypoints.astype(np.float32),
        keypoints_2d_valid=np.ones(21, np.float32),
        joints_3d=joints.astype(np.float32),
        joints_valid=np.ones(21, np.float32),
        hand_side=str(rng.choice(['left', 'right'])),
        mano_pose=rng.normal(0, 0.4, 48).astype(np.float32),
        mano_betas=rng.normal(0, 1, 10).astype(np.float32),
        mano_transl=(centre / 1000).astype(np.float32), mano_valid=1.0)
    x0, y0 = keypoints.min(0)
    x1, y1 = keypoints.max(0)
    sample['bbox'] = np.array([x0, y0, x1, y1], np.float32)
    return sample


@pytest.fixture
def make_sample():
    return random_sample
