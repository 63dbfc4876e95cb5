"""Skin, lighting and camera degradations of EgoSynth images.

Egocentric datasets span many skin tones, lights and cheap head-mounted
sensors (noise, motion blur, JPEG). Each hand gets a skin tone from a
light-to-dark range with a subtle texture fixed to the hand's surface (so it
moves with the hand in sequences) and lighter palms; a few hands wear
gloves. Each image gets a distant light mostly from above and a chain of
photometric degradations. Colours are float RGB in [0, 1].
"""
from dataclasses import dataclass

import cv2
import numpy as np

from .backgrounds import random_colors

#: skin-tone anchors, light to dark (RGB in [0, 1]); tones are interpolated
SKIN_TONE_ANCHORS = np.array([[0.96, 0.84, 0.74], [0.92, 0.74, 0.60],
                              [0.80, 0.58, 0.42], [0.62, 0.42, 0.28],
                              [0.44, 0.28, 0.18], [0.28, 0.18, 0.12]])


@dataclass(frozen=True)
class AppearanceSampling:
    """Probabilities and ranges of the appearance variations.

    ``skin_range``: the part of the light-to-dark skin-tone curve drawn
    from (0 lightest, 1 darkest). ``ambient`` / ``diffuse``: ranges of the
    two lighting weights.
    """
    glove_prob: float = 0.05
    skin_range: tuple = (0.0, 1.0)
    ambient: tuple = (0.25, 0.55)
    diffuse: tuple = (0.45, 0.85)
    blur_prob: float = 0.5
    blur_sigma_px: tuple = (0.3, 1.2)
    motion_blur_prob: float = 0.15
    motion_blur_px: tuple = (3, 9)
    noise_prob: float = 0.8
    noise_sigma: tuple = (0.003, 0.03)
    jpeg_quality: tuple = (75, 96)


def sample_skin_tone(rng: np.random.Generator,
                     skin_range=(0.0, 1.0)) -> np.ndarray:
    """(3,) RGB skin albedo: a point on the anchor curve (within the
    ``skin_range`` fractions of it), slightly tinted."""
    position = rng.uniform(*skin_range) * (len(SKIN_TONE_ANCHORS) - 1)
    low = int(np.floor(position))
    high = min(low + 1, len(SKIN_TONE_ANCHORS) - 1)
    weight = position - low
    tone = (1 - weight) * SKIN_TONE_ANCHORS[low] + \
        weight * SKIN_TONE_ANCHORS[high]
    return np.clip(tone * (1 + rng.normal(0, 0.04, size=3)), 0, 1)


def hand_vertex_colors(rng: np.random.Generator, rest_vertices: np.ndarray,
                       palm_side: np.ndarray,
                       sampling: AppearanceSampling = AppearanceSampling()
                       ) -> np.ndarray:
    """(V, 3) albedo of one hand.

    Args:
        rng: generator of this hand.
        rest_vertices: (V, 3) template vertices, metres (the texture is a
            function of them, so it sticks to the skin when the hand moves).
        palm_side: (V,) in [0, 1], how much each vertex faces the palm side.
    """
    if rng.uniform() < sampling.glove_prob:
        base = random_colors(rng, 1, saturation=(0.3, 0.9))[0]
        lighten = 0.0
    else:
        base = sample_skin_tone(rng, sampling.skin_range)
        lighten = rng.uniform(0.08, 0.2)
    waves = rng.normal(size=(3, 3))
    waves *= (2 * np.pi / rng.uniform(0.02, 0.06, size=3))[:, None] \
        / np.linalg.norm(waves, axis=1, keepdims=True)
    pattern = np.sin(rest_vertices @ waves.T
                     + rng.uniform(0, 2 * np.pi, 3)).mean(axis=1)
    shade = 1 + rng.uniform(0.02, 0.06) * pattern
    colors = base[None] * shade[:, None]
    colors = colors + lighten * palm_side[:, None] * (1 - colors)
    return np.clip(colors, 0, 1)


def object_vertex_colors(rng: np.random.Generator,
                         vertices: np.ndarray) -> np.ndarray:
    """(V, 3) albedo of an occluder: one colour, or two in bands."""
    colors = random_colors(rng, 2, saturation=(0.0, 0.9))
    if rng.uniform() < 0.5:
        return np.tile(colors[0], (len(vertices), 1)).astype(np.float64)
    axis = rng.normal(size=3)
    band = np.sin(vertices @ axis / np.linalg.norm(axis) *
                  2 * np.pi / rng.uniform(0.01, 0.05)) > 0
    return np.where(band[:, None], colors[0], colors[1]).astype(np.float64)


def sample_lighting(rng: np.random.Generator, world_up: np.ndarray,
                    sampling: AppearanceSampling = AppearanceSampling()
                    ) -> dict:
    """A distant light mostly from above: ``light_dir`` (3,) in the head
    frame (towards the light), ``ambient`` and ``diffuse`` weights."""
    direction = np.asarray(world_up, dtype=np.float64) + rng.normal(
        0, 0.6, size=3)
    direction /= np.linalg.norm(direction)
    return dict(light_dir=direction, ambient=rng.uniform(*sampling.ambient),
                diffuse=rng.uniform(*sampling.diffuse))


def _tone_table(gains: np.ndarray, gamma: float) -> np.ndarray:
    """(256, 1, 3) uint8 lookup: ``255 * min(g * x, 1) ** gamma`` per
    channel for ``x = i / 255``."""
    x = np.arange(256, dtype=np.float64)[:, None] / 255.0
    curve = np.clip(x * gains[None], 0.0, 1.0) ** gamma
    return np.round(curve * 255.0).astype(np.uint8)[:, None, :]


def sample_camera_tone(rng: np.random.Generator,
                       sampling: AppearanceSampling = AppearanceSampling()
                       ) -> dict:
    """How one camera renders colours over a sequence: white-balance and
    exposure ``gains`` (3,), ``gamma`` and ``jpeg_quality`` (kept fixed over
    the frames so sequences do not flicker)."""
    return dict(gains=rng.uniform(0.9, 1.1, size=3) * rng.uniform(0.8, 1.2),
                gamma=rng.uniform(0.8, 1.25),
                jpeg_quality=int(rng.integers(*sampling.jpeg_quality)))


def degrade_image(rng: np.random.Generator, image: np.ndarray, tone: dict,
                  sampling: AppearanceSampling = AppearanceSampling()
                  ) -> np.ndarray:
    """Colour cast, exposure, gamma (``tone`` of the camera), then per
    frame blur, motion blur and sensor noise.

    Args:
        image: (H, W, 3) float32 RGB in [0, 1].
        tone: from :func:`sample_camera_tone`.

    Returns:
        (H, W, 3) uint8 **BGR** image, ready for ``cv2.imencode``.
    """
    rgb = np.clip(image * np.float32(255.0) + np.float32(0.5), 0, 255)
    rgb = cv2.LUT(rgb.astype(np.uint8),
                  _tone_table(tone['gains'], tone['gamma']))
    if rng.uniform() < sampling.blur_prob:
        rgb = cv2.GaussianBlur(rgb, (0, 0),
                               rng.uniform(*sampling.blur_sigma_px))
    if rng.uniform() < sampling.motion_blur_prob:
        length = int(rng.integers(*sampling.motion_blur_px))
        kernel = np.zeros((length, length), dtype=np.float32)
        kernel[length // 2] = 1.0 / length
        rotation = cv2.getRotationMatrix2D(
            ((length - 1) / 2, (length - 1) / 2), rng.uniform(0, 180), 1.0)
        kernel = cv2.warpAffine(kernel, rotation, (length, length))
        rgb = cv2.filter2D(rgb, -1, kernel / max(kernel.sum(), 1e-6))
    if rng.uniform() < sampling.noise_prob:
        sigma = rng.uniform(*sampling.noise_sigma) * 255.0
        noisy = rng.standard_normal(rgb.shape, dtype=np.float32)
        noisy *= np.float32(sigma)
        noisy += rgb
        noisy += np.float32(0.5)
        rgb = np.clip(noisy, 0, 255, out=noisy).astype(np.uint8)
    return cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)

