"""Neural Smooth: per-sequence optimisation of one hand's 3D trajectory.

After Jiiov's ECCV'24 challenge entry (seed 002): the per-frame predictions
of a sequence are the initial value of a trajectory that is optimised so
that (a) its projections match each view's predicted 2D keypoints, which
generalise better than 3D, and (b) its accelerations are small. Here the
trajectory is the 21 joints (so any method's predictions work, single-view
too), split like the seed's terms into the **position** (the wrist) and
the **pose** (the joints relative to the wrist)::

    L = w_pose * A(pose) + w_position * A(position) + w_2d * L_2d
        + w_bones * L_bones
    A(x) = mean_t |x[t] - 2 x[t-1] + x[t-2]|        (metres, per joint)
    L_2d = mean over valid (t, view, joint) of |proj(X) - uv| / f
    L_bones = mean_t,b | |bone_b(t)| - median_t |raw bone_b(t)| |  (metres)

The bone term stands in for the seed's MANO parametrisation, whose fixed
shape keeps the bone lengths: without it one view cannot tell a big far
hand from a small near one, and the 2D term would rescale the hand.

The unknowns are offsets (metres) from the raw trajectory, optimised with
AdamW (weight decay pulls them back to the raw values) and a cosine
learning rate, as the seed (lr 1e-2, 500 iterations). A trajectory with
constant velocity whose projections are the keypoints is a fixed point.

:func:`smooth_track` is the offline version (the whole sequence);
:class:`OnlineNeuralSmoother` is the causal one: frame t is emitted once
frame t + lag has arrived, from a window that ends at t + lag and whose
already-emitted frames are held fixed. Numbers: docs/multiview.md.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import List, Optional, Sequence

import numpy as np
import torch

MM_PER_M = 1000.0
_EPS = 1e-12


@dataclass
class HandTrack:
    """One hand over T consecutive frames seen by up to V views.

    Attributes:
        joints: (T, K, 3) raw per-frame predictions, mm, world frame.
        keypoints: (T, V, K, 2) predicted 2D keypoints, px of each view.
        weights: (T, V, K) >= 0 (0: no keypoint, e.g. a missing view).
        cam_from_world: (T, V, 4, 4) world -> view camera, mm.
        K: (T, V, 3, 3) pinhole intrinsics of each view.
    """

    joints: np.ndarray
    keypoints: np.ndarray
    weights: np.ndarray
    cam_from_world: np.ndarray
    K: np.ndarray

    def window(self, start: int, stop: int) -> 'HandTrack':
        return HandTrack(*(getattr(self, name)[start:stop] for name in (
            'joints', 'keypoints', 'weights', 'cam_from_world', 'K')))


@dataclass
class SmoothSettings:
    """Weights and optimiser of Neural Smooth (defaults: the seed's)."""

    weight_pose: float = 0.5
    weight_position: float = 0.5
    weight_2d: float = 1.0
    weight_bones: float = 1.0
    iterations: int = 500
    lr: float = 1e-2
    weight_decay: float = 1e-2


def second_differences(x: torch.Tensor) -> torch.Tensor:
    """(T, ...) -> (T-2, ...): ``x[t] - 2 x[t-1] + x[t-2]``."""
    return x[2:] - 2 * x[1:-1] + x[:-2]


def _norm(x: torch.Tensor) -> torch.Tensor:
    """L2 norm over the last axis with a zero gradient at zero."""
    return (x.square().sum(-1) + _EPS * _EPS).sqrt() - _EPS


def acceleration_term(joints_m: torch.Tensor) -> torch.Tensor:
    """Mean acceleration norm of (T, K, 3) or (T, 3) metres (0 if T < 3)."""
    if joints_m.shape[0] < 3:
        return joints_m.new_zeros(())
    return _norm(second_differences(joints_m)).mean()


def project_views(joints_mm: torch.Tensor, track: HandTrack
                  ) -> torch.Tensor:
    """(T, K, 3) world mm -> (T, V, K, 2) px in each view of ``track``."""
    T = torch.as_tensor(track.cam_from_world, dtype=joints_mm.dtype)
    K = torch.as_tensor(track.K, dtype=joints_mm.dtype)
    cam = joints_mm[:, None] @ T[..., :3, :3].transpose(-1, -2) + \
        T[..., None, :3, 3]  # (T, V, K, 3)
    pixels = cam @ K.transpose(-1, -2)
    return pixels[..., :2] / pixels[..., 2:].clamp(min=1e-3)


def reprojection_term(joints_mm: torch.Tensor, track: HandTrack
                      ) -> torch.Tensor:
    """Weighted mean of the 2D residuals (px) divided by the focal length."""
    weights = torch.as_tensor(track.weights, dtype=joints_mm.dtype)
    if float(weights.sum()) <= 0:
        return joints_mm.new_zeros(())
    uv = project_views(joints_mm, track)
    focal = torch.as_tensor(track.K[..., 0, 0], dtype=joints_mm.dtype)[
        ..., None]
    residual = _norm(uv - torch.as_tensor(track.keypoints,
                                          dtype=joints_mm.dtype)) / focal
    return (residual * weights).sum() / weights.sum()


#: (child, parent) joints of the 20 bones of the canonical hand
BONES = tuple((j, 0 if j % 4 == 1 else j - 1) for j in range(1, 21))


def bone_lengths(joints: torch.Tensor) -> torch.Tensor:
    """(T, 21, 3) -> (T, 20) bone lengths, the unit of ``joints``."""
    child, parent = zip(*BONES)
    return _norm(joints[:, list(child)] - joints[:, list(parent)])


def trajectory_loss(joints_mm: torch.Tensor, track: HandTrack,
                    settings: SmoothSettings,
                    history_mm: Optional[torch.Tensor] = None,
                    bones_m: Optional[torch.Tensor] = None) -> torch.Tensor:
    """The Neural Smooth objective of a (T, K, 3) mm trajectory; fixed
    ``history_mm`` (H, K, 3) frames before it count in the accelerations;
    ``bones_m`` (20,) target bone lengths (21-joint hands only)."""
    path = joints_mm if history_mm is None else torch.cat([history_mm,
                                                           joints_mm])
    # norms in mm, then metres: exact zeros stay exact (fixed points)
    loss = (settings.weight_pose * acceleration_term(path - path[:, :1]) +
            settings.weight_position * acceleration_term(path[:, 0])
            ) / MM_PER_M
    loss = loss + settings.weight_2d * reprojection_term(joints_mm, track)
    if bones_m is not None and settings.weight_bones:
        lengths = bone_lengths(joints_mm) / MM_PER_M
        loss = loss + settings.weight_bones * (lengths - bones_m).abs().mean()
    return loss


def optimise(track: HandTrack, settings: SmoothSettings,
             history: Optional[np.ndarray] = None) -> np.ndarray:
    """Optimise the frames of ``track``; return (T, K, 3) mm.

    ``history``: (H, K, 3) mm frames just before the track, held fixed;
    they enter the acceleration terms only (the online variant).
    """
    dtype = torch.float64
    raw = torch.as_tensor(track.joints, dtype=dtype)
    fixed = None if history is None or len(history) == 0 else \
        torch.as_tensor(history, dtype=dtype)
    position = torch.zeros(raw.shape[0], 1, 3, dtype=dtype,
                           requires_grad=True)
    pose = torch.zeros(raw.shape, dtype=dtype, requires_grad=True)
    bones = None
    if raw.shape[1] == 21:
        source = raw if fixed is None else torch.cat([fixed, raw])
        bones = bone_lengths(source).median(0).values / MM_PER_M
    optimiser = torch.optim.AdamW([position, pose], lr=settings.lr,
                                  weight_decay=settings.weight_decay,
                                  foreach=False)
    steps = max(int(settings.iterations), 0)

    def current() -> torch.Tensor:
        offset = position + pose - pose[:, :1]  # the wrist moves by position
        return raw + MM_PER_M * offset

    for step in range(steps):
        for group in optimiser.param_groups:
            group['lr'] = settings.lr * 0.5 * (1 + math.cos(math.pi * step /
                                                             steps))
        optimiser.zero_grad()
        trajectory_loss(current(), track, settings, fixed,
                        bones).backward()
        optimiser.step()
    with torch.no_grad():
        return current().numpy()


def smooth_track(track: HandTrack,
                 settings: Optional[SmoothSettings] = None) -> np.ndarray:
    """Offline Neural Smooth of a whole track; (T, K, 3) mm."""
    return optimise(track, settings or SmoothSettings())


class OnlineNeuralSmoother:
    """Causal Neural Smooth with a fixed lag, for live use.

    ``push(frame)`` takes one frame's observations (a 1-frame
    :class:`HandTrack`) and returns the smoothed joints (K, 3) mm of frame
    ``t - lag`` once it can, else None; ``flush()`` returns the last
    ``lag`` frames at the end of a sequence. Frame t is computed from frames
    ``t - window + 1 .. t + lag`` only, with the frames before t fixed to
    what was already emitted.

    Args:
        lag: frames of delay (0: purely causal).
        window: frames optimised or held fixed per step (> lag).
        settings: as offline; fewer iterations suit the small windows.
    """

    def __init__(self, lag: int = 2, window: int = 8,
                 settings: Optional[SmoothSettings] = None) -> None:
        if lag < 0 or window <= lag:
            raise ValueError(f'need 0 <= lag < window, got lag={lag}, '
                             f'window={window}')
        self.lag = int(lag)
        self.window = int(window)
        self.settings = settings or SmoothSettings(iterations=100)
        self.frames: List[HandTrack] = []
        self.outputs: List[np.ndarray] = []

    def _emit(self, t: int) -> np.ndarray:
        start = max(0, t - self.window + 1 + self.lag)
        stop = min(len(self.frames), t + self.lag + 1)
        observed = _concatenate(self.frames[t:stop])
        history = np.stack(self.outputs[start:t]) if t > start else None
        joints = optimise(observed, self.settings, history)[0]
        self.outputs.append(joints)
        return joints

    def push(self, frame: HandTrack) -> Optional[np.ndarray]:
        self.frames.append(frame)
        t = len(self.frames) - 1 - self.lag
        return self._emit(t) if t >= 0 else None

    def flush(self) -> List[np.ndarray]:
        return [self._emit(t) for t in range(len(self.outputs),
                                             len(self.frames))]


def _concatenate(frames: Sequence[HandTrack]) -> HandTrack:
    return HandTrack(*(np.concatenate([getattr(f, name) for f in frames])
                       for name in ('joints', 'keypoints', 'weights',
                                    'cam_from_world', 'K')))


def smooth_track_online(track: HandTrack, lag: int = 2, window: int = 8,
                        settings: Optional[SmoothSettings] = None
                        ) -> np.ndarray:
    """Run :class:`OnlineNeuralSmoother` over a track; (T, K, 3) mm."""
    smoother = OnlineNeuralSmoother(lag, window, settings)
    outputs = [smoother.push(track.window(t, t + 1))
               for t in range(len(track.joints))]
    outputs = [o for o in outputs if o is not None] + smoother.flush()
    return np.stack(outputs)
