"""Hands cover the whole wide field of view (WildHands' point): over a
1000-image split the horizontal angle of the hand centre spans +-40 deg.

Measured on the sampled 3D scenes (the joints the annotations are written
from; no rendering needed): with one view the head frame is the camera.
The scene geometry depends on the image size only through fractions of it,
so 64 px images sample the same hands as 256 px ones, with cheaper
backgrounds.
"""
import numpy as np
import pytest

from egohands.synth.egosynth import (EgoSynthConfig, sample_sequences,
                                         sequence_rng)
from egohands.synth.egosynth.placement import view_fit


@pytest.mark.slow
def test_hand_centre_angle_spans_80_degrees_over_1000_images(hand_meshes):
    config = EgoSynthConfig(width=64, height=64)
    angles, distances, vertical = [], [], []
    for start in range(0, 1000, 100):
        rngs = [sequence_rng(0, 'train', i) for i in range(start, start + 100)]
        for scene in sample_sequences(rngs, config, hand_meshes):
            assert np.array_equal(scene.T_head_from_cam[0], np.eye(4))
            for hand in scene.hands:
                centre = hand.joints[0].mean(axis=0)
                angles.append(np.degrees(np.arctan2(centre[0], centre[2])))
                vertical.append(np.degrees(np.arctan2(centre[1], centre[2])))
                distances.append(np.linalg.norm(hand.joints[0, 0]))
                assert view_fit(hand.vertices[0], scene.K[0], config.width,
                                config.height, config.placement)
    angles = np.array(angles)
    assert angles.min() <= -40 and angles.max() >= 40
    assert np.min(vertical) <= -40 and np.max(vertical) >= 40
    # not only a few outliers: a tenth of the hands beyond +-30 degrees
    assert (np.abs(angles) > 30).mean() > 0.1
    assert 0.15 - 1e-9 <= min(distances) and max(distances) <= 0.60 + 1e-9
