"""Photometric augmentations against hand-worked and scipy results."""
import cv2
import numpy as np
import pytest
from scipy.ndimage import median_filter, uniform_filter

from egohands.datasets.transforms import (CoarseDropout, ColorScale,
                                          HSVJitter, RandomBlur,
                                          RandomMedianBlur)
from egohands.utils.errors import ConfigError


def _img(seed=0, shape=(40, 50, 3)):
    return np.random.default_rng(seed).integers(0, 256, shape, np.uint8)


@pytest.mark.parametrize('transform', [
    HSVJitter(prob=0.0), RandomBlur(prob=0.0), RandomMedianBlur(prob=0.0),
    CoarseDropout(prob=0.0), ColorScale(prob=0.0)])
def test_probability_zero_leaves_the_image(transform):
    img = _img()
    out = transform.transform(dict(img=img.copy()))
    np.testing.assert_array_equal(out['img'], img)


def test_hsv_value_shift_on_a_grey_image_is_a_brightness_shift():
    # grey pixels have saturation 0 and value = grey level, so a pure value
    # gain g turns grey 100 into grey 100 + int(g)
    np.random.seed(3)
    enabled = np.random.rand(3) < 1.0
    gain = int(np.random.uniform(-1, 1, 3)[2] * 30 * enabled[2])
    np.random.seed(3)
    out = HSVJitter(hue_delta=0, saturation_delta=0, value_delta=30,
                    prob=1.0).transform(dict(img=np.full((4, 4, 3), 100,
                                                         np.uint8)))
    assert gain != 0
    np.testing.assert_array_equal(out['img'], 100 + gain)


def test_hsv_hue_shift_turns_red_towards_green_or_blue():
    img = np.zeros((8, 8, 3), np.uint8)
    img[..., 2] = 200  # pure red (BGR), OpenCV hue 0
    for seed in range(4):
        np.random.seed(seed)
        np.random.rand(3)
        gain = int(np.random.uniform(-1, 1, 3)[0] * 5)
        np.random.seed(seed)
        out = HSVJitter(hue_delta=5, saturation_delta=0, value_delta=0,
                        prob=1.0).transform(dict(img=img.copy()))['img']
        assert out[..., 2].max() == 200  # value (max channel) kept
        # hue h (in 2-degree units) mixes in green (h > 0) or blue (h < 0)
        # at 200 * 2|h| / 60
        channel = 1 if gain > 0 else 0
        expected = round(200 * 2 * abs(gain) / 60)
        assert abs(int(out[0, 0, channel]) - expected) <= 1, (seed, gain)


def test_blurs_match_scipy_away_from_the_border():
    img = _img(1)
    np.random.seed(0)
    box = RandomBlur(prob=1.0, blur_limit=(5, 5)).transform(
        dict(img=img.copy()))['img']
    expected = uniform_filter(img.astype(np.float64), size=(5, 5, 1))
    assert np.abs(box[3:-3, 3:-3] - expected[3:-3, 3:-3]).max() <= 0.5 + 1e-9
    median = RandomMedianBlur(prob=1.0, blur_limit=(3, 3)).transform(
        dict(img=img.copy()))['img']
    expected = median_filter(img, size=(3, 3, 1))
    np.testing.assert_array_equal(median[2:-2, 2:-2], expected[2:-2, 2:-2])


def test_blur_kernel_sizes_are_odd_within_limits():
    assert RandomBlur(blur_limit=(3, 7)).kernel_sizes.tolist() == [3, 5, 7]
    assert RandomMedianBlur(blur_limit=(4, 6)).kernel_sizes.tolist() == [5]
    with pytest.raises(ConfigError, match='no odd kernel'):
        RandomBlur(blur_limit=(1, 2))


@pytest.mark.parametrize('seed', range(5))
def test_coarse_dropout_makes_one_hole_of_the_right_size(seed):
    np.random.seed(seed)
    img = np.full((50, 80, 3), 255, np.uint8)
    out = CoarseDropout(prob=1.0, num_holes=1, hole_size_range=(0.2, 0.4),
                        fill_value=0).transform(dict(img=img))['img']
    rows, cols = np.nonzero(out[..., 0] == 0)
    height = rows.max() - rows.min() + 1
    width = cols.max() - cols.min() + 1
    assert len(rows) == height * width  # one filled rectangle
    assert 10 <= height <= 20 and 16 <= width <= 32
    assert (img == 255).all()  # the input array was not modified


def test_color_scale_is_one_factor_per_channel_in_range():
    np.random.seed(0)
    img = np.full((6, 6, 3), [50, 100, 150], np.uint8)
    out = ColorScale(low=0.8, high=1.2).transform(dict(img=img))['img']
    factors = out[0, 0].astype(float) / [50, 100, 150]
    assert ((factors > 0.79) & (factors < 1.21)).all()
    assert len(np.unique(out.reshape(-1, 3), axis=0)) == 1
    assert out.dtype == np.uint8
    assert ColorScale(low=3.0, high=3.0).transform(
        dict(img=img))['img'].max() == 255  # clipped


def _hsv_jitter_int16(img, gains):
    """YOLOX's formulation: to HSV, int16 shifts (hue modulo 180, the rest
    clipped), back to BGR."""
    hsv = cv2.cvtColor(img, cv2.COLOR_BGR2HSV).astype(np.int16)
    hsv[..., 0] = (hsv[..., 0] + gains[0]) % 180
    hsv[..., 1:] = np.clip(hsv[..., 1:] + gains[1:], 0, 255)
    return cv2.cvtColor(hsv.astype(np.uint8), cv2.COLOR_HSV2BGR)


def test_hsv_jitter_lut_equals_the_int16_formulation():
    """The one-pass lookup table gives the same bytes as the two-step int16
    arithmetic, for the gains the transform draws (same random state)."""
    rng = np.random.default_rng(4)
    img = rng.integers(0, 256, (37, 53, 3), dtype=np.uint8)
    jitter = HSVJitter(hue_delta=5, saturation_delta=30, value_delta=30,
                       prob=1.0)
    for seed in range(20):
        np.random.seed(seed)
        enabled = np.random.rand(3) < 1.0
        gains = (np.random.uniform(-1, 1, 3) * jitter.deltas *
                 enabled).astype(np.int16)
        np.random.seed(seed)
        out = jitter(dict(img=img.copy()))['img']
        np.testing.assert_array_equal(out, _hsv_jitter_int16(img, gains))
