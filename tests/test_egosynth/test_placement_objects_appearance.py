"""Hand placement, objects, backgrounds and appearance: closed forms,
bounds and determinism."""
import numpy as np
import pytest

from egohands.synth.egosynth import backgrounds
from egohands.synth.egosynth.appearance import (AppearanceSampling,
                                                    SKIN_TONE_ANCHORS,
                                                    degrade_image,
                                                    hand_vertex_colors,
                                                    sample_skin_tone)
from egohands.synth.egosynth.occluders import (box_mesh, cylinder_mesh,
                                                   ellipsoid_mesh,
                                                   occluder_in_front)
from egohands.synth.egosynth.placement import (PlacementSampling,
                                                   hand_frame, hands_apart,
                                                   head_axes,
                                                   sample_orientations,
                                                   view_fit,
                                                   wrist_for_centre)


def _template_joints():
    """A right hand in MANO's template frame: fingers along -x, palm
    facing -y, thumb on +z (canonical order)."""
    joints = np.zeros((21, 3))
    for finger, z in enumerate([0.035, 0.02, 0.0, -0.015, -0.03]):
        for k in range(4):
            joints[1 + 4 * finger + k] = [-0.04 - 0.025 * k, 0.0, z]
    return joints


def test_hand_frame_of_a_template_hand_and_its_mirror():
    right = _template_joints()
    frame = hand_frame(right, 'right')
    np.testing.assert_allclose(frame[:, 0], [-1, 0, 0], atol=1e-12)
    np.testing.assert_allclose(frame[:, 1], [0, -1, 0], atol=1e-12)
    np.testing.assert_allclose(frame.T @ frame, np.eye(3), atol=1e-12)
    left = right * [1, 1, -1]  # the mirror image is a left hand
    np.testing.assert_allclose(hand_frame(left, 'left')[:, 1], [0, -1, 0],
                               atol=1e-12)


def test_wrist_for_centre_solves_the_distance_and_the_ray():
    rng = np.random.default_rng(0)
    rays = rng.normal(size=(50, 3)) + [0, 0, 3]
    rays /= np.linalg.norm(rays, axis=1, keepdims=True)
    offsets = rng.normal(0, 0.05, size=(50, 3))
    distance = rng.uniform(0.15, 0.6, size=50)
    wrist = wrist_for_centre(rays, offsets, distance)
    np.testing.assert_allclose(np.linalg.norm(wrist, axis=1), distance)
    centre = wrist + offsets
    np.testing.assert_allclose(np.cross(centre, rays), 0, atol=1e-12)
    assert ((centre * rays).sum(1) > 0).all()


def test_orientations_point_fingers_forward_inward_and_palm_down():
    sampling = PlacementSampling()
    local = hand_frame(_template_joints(), 'right')
    down, forward = head_axes(30.0)
    np.testing.assert_allclose(down @ forward, 0, atol=1e-12)
    for side, inward in (('right', -1), ('left', 1)):
        rotations = sample_orientations(np.random.default_rng(1), 400, side,
                                        30.0, local, sampling)
        np.testing.assert_allclose(np.linalg.det(rotations), 1.0)
        fingers = rotations @ local[:, 0]
        palms = rotations @ local[:, 1]
        assert (fingers @ forward).mean() > 0.5      # away from the viewer
        assert inward * fingers[:, 0].mean() > 0.1   # towards the midline
        assert (palms @ down > 0.5).mean() > 0.6     # mostly palm down
        assert (palms @ down < 0).mean() > 0.05      # sometimes palm up


def test_view_fit_rejects_outside_tiny_and_too_close_hands():
    sampling = PlacementSampling(min_inside_fraction=0.4)
    K = np.array([[100.0, 0, 63.5], [0, 100.0, 63.5], [0, 0, 1]])
    square = np.array([[x, y, 0.0] for x in np.linspace(-0.05, 0.05, 5)
                       for y in np.linspace(-0.05, 0.05, 5)])
    hands = np.stack([square + [0, 0, 0.3],          # in view
                      square + [0.3, 0, 0.3],        # right of the image
                      square * 0.05 + [0, 0, 0.3],   # 1 px wide
                      square + [0, 0, 0.05],         # too close
                      square + [0.19, 0, 0.3]])      # 60 % inside
    np.testing.assert_array_equal(view_fit(hands, K, 128, 128, sampling),
                                  [True, False, False, False, True])


def test_hands_apart_equals_a_loop():
    rng = np.random.default_rng(2)
    a, b = rng.normal(size=(6, 21, 3)) * 0.05, rng.normal(size=(21, 3)) * 0.05
    expected = [min(np.linalg.norm(p - q) for p in hand for q in b) >= 0.01
                for hand in a]
    np.testing.assert_array_equal(hands_apart(a, b[None], 0.01), expected)


@pytest.mark.parametrize('mesh, volume', [
    (box_mesh(np.array([0.1, 0.2, 0.3])), 8 * 0.1 * 0.2 * 0.3),
    (cylinder_mesh(0.1, 0.2, segments=256), np.pi * 0.01 * 0.4),
    (ellipsoid_mesh(np.array([0.1, 0.2, 0.3]), 64, 128),
     4 / 3 * np.pi * 0.1 * 0.2 * 0.3)])
def test_object_meshes_are_closed_and_outward(mesh, volume):
    vertices, faces = mesh
    corners = vertices[faces]
    signed = np.einsum('ij,ij->i', corners[:, 0],
                       np.cross(corners[:, 1], corners[:, 2])).sum() / 6
    np.testing.assert_allclose(signed, volume, rtol=2e-3)


def test_occluders_stand_between_the_camera_and_the_hand():
    rng = np.random.default_rng(3)
    joints = rng.normal(0, 0.03, size=(21, 3)) + [0.05, 0.1, 0.4]
    for _ in range(50):
        mesh = occluder_in_front(rng, joints)
        centre = mesh.vertices.mean(axis=0)
        assert np.linalg.norm(centre) < np.linalg.norm(joints, axis=1).max()
        assert mesh.vertices[:, 2].min() > 0.0
        assert mesh.colors.shape == mesh.vertices.shape


@pytest.mark.parametrize('kind', sorted(backgrounds.BACKGROUND_KINDS))
def test_every_background_kind_is_a_textured_image(kind):
    make = backgrounds.BACKGROUND_KINDS[kind]
    image = make(np.random.default_rng(4), 48, 64)
    again = make(np.random.default_rng(4), 48, 64)
    assert image.shape == (48, 64, 3) and image.dtype == np.float32
    assert image.min() >= -1e-6 and image.max() <= 1 + 1e-6
    np.testing.assert_array_equal(image, again)
    if kind != 'gradient':
        assert image.std(axis=(0, 1)).max() > 0.01
    noise = backgrounds.value_noise(np.random.default_rng(5), 40, 30)
    assert noise.min() == 0.0 and noise.max() == 1.0


def test_skin_tones_and_hand_colours_stay_in_range():
    rng = np.random.default_rng(6)
    tones = np.array([sample_skin_tone(rng) for _ in range(500)])
    assert (tones >= SKIN_TONE_ANCHORS.min(0) * 0.8).all()
    assert (tones <= np.minimum(SKIN_TONE_ANCHORS.max(0) * 1.2, 1)).all()
    assert np.ptp(tones[:, 0]) > 0.4  # light to dark
    rest = rng.normal(0, 0.04, size=(300, 3))
    palm_side = (rest[:, 1] < 0).astype(float)
    colors = hand_vertex_colors(rng, rest, palm_side,
                                AppearanceSampling(glove_prob=0.0))
    assert colors.min() >= 0 and colors.max() <= 1
    assert colors[palm_side > 0].mean() > colors[palm_side == 0].mean()


def test_degrade_image_with_a_neutral_tone_and_no_noise_is_bgr_rounding():
    rng = np.random.default_rng(7)
    image = rng.uniform(size=(20, 30, 3)).astype(np.float32)
    clean = AppearanceSampling(blur_prob=0.0, motion_blur_prob=0.0,
                               noise_prob=0.0)
    out = degrade_image(rng, image, dict(gains=np.ones(3), gamma=1.0),
                        clean)
    assert out.dtype == np.uint8 and out.shape == (20, 30, 3)
    np.testing.assert_array_equal(
        out, np.round(image[..., ::-1] * 255).astype(np.uint8))
    darker = degrade_image(rng, image, dict(gains=np.full(3, 0.5),
                                            gamma=1.0), clean)
    assert np.abs(darker.astype(int) - out // 2).max() <= 1
