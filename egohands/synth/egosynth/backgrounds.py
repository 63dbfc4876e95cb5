"""Procedural textured backgrounds for EgoSynth.

Real egocentric frames show kitchens, desks and floors behind the hands; a
model trained on a plain background learns to find "the non-uniform
region". Each image therefore gets one of several procedural textures,
sometimes two blended through a noise mask: multi-octave value noise,
linear gradients, stripes, rotated tiles, a floor / table plane in
perspective and random blobs. All are float32 RGB in [0, 1], built with a
few vectorised numpy / OpenCV calls (no per-pixel Python).
"""
from typing import Callable, Dict, Sequence

import cv2
import numpy as np

Background = np.ndarray  # (H, W, 3) float32 RGB in [0, 1]


def random_colors(rng: np.random.Generator, count: int,
                  saturation=(0.1, 0.8), value=(0.15, 0.95)) -> np.ndarray:
    """(count, 3) float32 RGB colours drawn uniformly in HSV ranges."""
    hsv = np.stack([rng.uniform(0, 360, count),
                    rng.uniform(*saturation, count),
                    rng.uniform(*value, count)], axis=1).astype(np.float32)
    return cv2.cvtColor(hsv[None], cv2.COLOR_HSV2RGB)[0]


def value_noise(rng: np.random.Generator, height: int, width: int,
                octaves=(2, 6)) -> np.ndarray:
    """(H, W) float32 fractal noise in [0, 1]: random grids of 2^k + 1
    cells upsampled bicubically, octave k weighted by 0.6^k."""
    total = np.zeros((height, width), dtype=np.float32)
    for level, octave in enumerate(range(*octaves)):
        cells = 2 ** octave + 1
        grid = rng.uniform(0, 1, size=(cells, cells)).astype(np.float32)
        total += 0.6 ** level * cv2.resize(grid, (width, height),
                                           interpolation=cv2.INTER_CUBIC)
    low, high = total.min(), total.max()
    return (total - low) / max(high - low, 1e-6)


def _lerp(colors: np.ndarray, weight: np.ndarray) -> Background:
    """Blend colour 0 -> colour 1 by a (H, W) weight in [0, 1].

    Channel by channel (numpy broadcasting over a trailing axis of 3 is an
    order of magnitude slower than three contiguous passes).
    """
    w = np.clip(weight, 0, 1).astype(np.float32)
    c0, c1 = colors[0].astype(np.float32), colors[1].astype(np.float32)
    return cv2.merge([c0[k] + w * (c1[k] - c0[k]) for k in range(3)])


def _blend(first: Background, second: Background,
           weight: np.ndarray) -> Background:
    """``(1 - weight) * first + weight * second`` for a (H, W) weight."""
    weight = weight.astype(np.float32)
    return cv2.blendLinear(first, second, 1 - weight, weight)


def _pixel_grid(height: int, width: int):
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    return xs, ys


def noise_background(rng, height, width) -> Background:
    colors = random_colors(rng, 2)
    return _lerp(colors, value_noise(rng, height, width))


def gradient_background(rng, height, width) -> Background:
    xs, ys = _pixel_grid(height, width)
    angle = rng.uniform(0, 2 * np.pi)
    ramp = xs * np.cos(angle) + ys * np.sin(angle)
    ramp = (ramp - ramp.min()) / max(float(np.ptp(ramp)), 1e-6)
    return _lerp(random_colors(rng, 2), ramp)


def stripes_background(rng, height, width) -> Background:
    xs, ys = _pixel_grid(height, width)
    angle = rng.uniform(0, np.pi)
    period = rng.uniform(0.03, 0.25) * max(height, width)
    wave = np.sin(2 * np.pi * (xs * np.cos(angle) + ys * np.sin(angle))
                  / period + rng.uniform(0, 2 * np.pi))
    sharpness = rng.uniform(1.0, 8.0)
    return _lerp(random_colors(rng, 2), 0.5 + 0.5 * np.tanh(sharpness * wave))


def tiles_background(rng, height, width) -> Background:
    xs, ys = _pixel_grid(height, width)
    angle = rng.uniform(0, np.pi / 2)
    size = rng.uniform(0.04, 0.2) * max(height, width)
    u = (xs * np.cos(angle) + ys * np.sin(angle)) / size
    v = (-xs * np.sin(angle) + ys * np.cos(angle)) / size
    checker = (np.floor(u) + np.floor(v)) % 2
    image = _lerp(random_colors(rng, 2), checker)
    grout = (np.minimum(u % 1, v % 1) < rng.uniform(0.02, 0.1))
    image[grout] = random_colors(rng, 1)[0]
    return image


def floor_background(rng, height, width) -> Background:
    """A tiled or wooden plane below a horizon, seen in perspective."""
    xs, ys = _pixel_grid(height, width)
    horizon = rng.uniform(-0.3, 0.4) * height
    below = np.maximum(ys - horizon, 1.0)
    depth = height / below
    plane_x = (xs - width / 2) * depth / height
    scale = rng.uniform(0.15, 0.6)
    if rng.uniform() < 0.5:
        pattern = (np.floor(plane_x / scale) + np.floor(depth / scale)) % 2
    else:  # planks with grain
        pattern = 0.5 + 0.5 * np.sin(plane_x / scale * 2 * np.pi +
                                     3 * value_noise(rng, height, width))
    # fade the pattern towards the horizon, where it would alias
    fade = np.clip(4.0 * below / height, 0.0, 1.0)
    floor = _lerp(random_colors(rng, 2), 0.5 + fade * (pattern - 0.5))
    wall = noise_background(rng, height, width)
    first_floor_row = int(np.clip(np.floor(horizon) + 1, 0, height))
    floor[:first_floor_row] = wall[:first_floor_row]
    return floor


def blobs_background(rng, height, width) -> Background:
    image = np.empty((height, width, 3), dtype=np.float32)
    image[:] = random_colors(rng, 1)[0]
    count = int(rng.integers(5, 30))
    colors = random_colors(rng, count)
    centres = rng.uniform(0, 1, size=(count, 2)) * [width, height]
    axes = rng.uniform(0.02, 0.25, size=(count, 2)) * max(height, width)
    angles = rng.uniform(0, 180, count)
    for color, centre, axis, angle in zip(colors, centres, axes, angles):
        cv2.ellipse(image, (int(centre[0]), int(centre[1])),
                    (int(axis[0]) + 1, int(axis[1]) + 1), float(angle), 0,
                    360, color.tolist(), -1)
    return cv2.GaussianBlur(image, (0, 0), rng.uniform(0.5, 2.0))


BACKGROUND_KINDS: Dict[str, Callable] = {
    'noise': noise_background,
    'gradient': gradient_background,
    'stripes': stripes_background,
    'tiles': tiles_background,
    'floor': floor_background,
    'blobs': blobs_background,
}


def sample_background(rng: np.random.Generator, height: int,
                      width: int, scale: float = 0.5,
                      kinds: Sequence[str] = ()) -> Background:
    """A random background: one kind, or two blended through noise (1/3),
    drawn at ``scale`` of the size and upsampled (the textures are smooth;
    this is most of the generator's time at full size), plus full-size fine
    grain. ``kinds`` limits the textures to those names of
    ``BACKGROUND_KINDS`` (all when empty). (H, W, 3) float32 RGB in [0, 1].
    """
    small_h = max(8, int(round(height * scale)))
    small_w = max(8, int(round(width * scale)))
    kinds = list(kinds or BACKGROUND_KINDS)
    first = BACKGROUND_KINDS[kinds[rng.integers(len(kinds))]]
    image = first(rng, small_h, small_w)
    if rng.uniform() < 1 / 3:
        second = BACKGROUND_KINDS[kinds[rng.integers(len(kinds))]]
        mask = value_noise(rng, small_h, small_w)
        image = _blend(image, second(rng, small_h, small_w), mask)
    if (small_h, small_w) != (height, width):
        image = cv2.resize(image.astype(np.float32), (width, height),
                           interpolation=cv2.INTER_LINEAR)
    grain = rng.standard_normal((height, width), dtype=np.float32)
    grain *= np.float32(rng.uniform(0.0, 0.03))
    image = cv2.add(image.astype(np.float32), cv2.merge([grain] * 3))
    return np.clip(image, 0, 1, out=image)
