"""Look-at rotation: the frame of a camera turned to look along a ray.

One home for the rotation that perspective crops (numpy, the multi-view
data pipeline), Perspective Crop Layers (torch, WildHands) and the toy rig
cameras build: the turned camera keeps its centre, its ``z`` axis is the
unit ray, its ``x`` axis is perpendicular to the ray and to a ``down``
direction (no roll) and ``y = z x x`` points to the ``down`` side. Its
transpose takes the optical axis onto the ray.
"""
from typing import Optional, Sequence, Union

from ._array import Array, broadcast, eye_like, float_arrays

# below this |down x ray| the ray is taken as parallel to ``down``
_PARALLEL_EPS = 1e-9


def _unit(vectors: Array, xp) -> Array:
    return vectors / xp.sqrt((vectors * vectors).sum(-1, keepdims=True))


def look_at_rotation(ray: Array,
                     down: Optional[Union[Array, Sequence[float]]] = None
                     ) -> Array:
    """(..., 3, 3) rotation ``R`` whose **rows** are the turned camera's axes.

    Args:
        ray: (..., 3) direction to look along (any length > 0), in the
            frame of the original camera (or world).
        down: (3,) or (..., 3) direction the turned camera's ``y`` leans
            towards; None is the original camera's ``y`` (OpenCV axes,
            image "down").

    Returns:
        ``R`` with rows ``x = unit(down x z)``, ``y = z x x``, ``z =
        unit(ray)``: a point ``X`` has turned-camera coordinates ``R @ X``,
        ``R @ ray`` lies on the optical axis and ``R^T`` (columns = axes)
        takes the optical axis onto the ray. The identity for a ray along
        ``+z`` with the default ``down``. Where the ray is parallel to
        ``down``, ``x`` is the part of the original ``x`` axis
        perpendicular to the ray.
    """
    xp, (ray, down) = float_arrays(ray, down)
    z_axis = _unit(ray, xp)
    if down is None:
        down = eye_like(z_axis, 3)[1]
    down, z_axis = broadcast(down, z_axis)
    x_axis = xp.linalg.cross(down, z_axis)
    x_norm = xp.sqrt((x_axis * x_axis).sum(-1, keepdims=True))
    # fallback x: the original x axis without its part along the ray
    fallback = eye_like(z_axis, 3)[0] - z_axis[..., :1] * z_axis
    x_axis = _unit(xp.where(x_norm < _PARALLEL_EPS, fallback, x_axis), xp)
    y_axis = xp.linalg.cross(z_axis, x_axis)
    return xp.stack([x_axis, y_axis, z_axis], axis=-2)
