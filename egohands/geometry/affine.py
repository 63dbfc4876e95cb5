"""2D affine maps between full-image pixels and crop pixels.

Pixel convention (``docs/architecture.md`` section 2): pixel centres sit at
integer coordinates, so an image ``w`` pixels wide covers ``[-0.5, w - 0.5]``
and its centre is ``(w - 1) / 2``. This is also ``cv2.warpAffine``'s and
``cv2.resize``'s convention, so ``cv2.warpAffine(img, A[:2], (w, h))`` with a
matrix from :func:`get_affine_matrix` produces exactly the crop whose
pixel ``A @ (u, v, 1)`` shows image point ``(u, v)``.

Affine matrices are (..., 3, 3) homogeneous (last row ``0 0 1``) unless a
function says otherwise; (..., 2, 3) is accepted wherever a matrix is read.
All functions take numpy arrays or torch tensors and return that type.
"""
import math
from typing import Optional, Sequence, Tuple, Union

from ._array import Array, float_arrays, stack_matrix

Number = Union[int, float]


def bbox_to_center_size(bbox_xyxy: Array,
                        padding: float = 1.25,
                        aspect_ratio: Optional[float] = 1.0
                        ) -> Tuple[Array, Array]:
    """Centre and padded size of boxes, grown to a fixed aspect ratio.

    The box is first grown along its short side until ``width / height ==
    aspect_ratio`` (never shrunk), then both sides are multiplied by
    ``padding``. ``aspect_ratio=1`` gives the square boxes of HP-ViT
    (``xyxy2cs``, padding 1.25) and of mmpose's hand configs (the two steps
    commute). ``None`` keeps the box's own shape.

    Args:
        bbox_xyxy: (..., 4) boxes ``x0, y0, x1, y1``, px.
        padding: scale factor applied to both sides.
        aspect_ratio: target ``width / height`` or ``None``.

    Returns:
        (center (..., 2), size (..., 2) as ``(width, height)``), px.
    """
    xp, (bbox, ) = float_arrays(bbox_xyxy)
    center = (bbox[..., :2] + bbox[..., 2:]) / 2
    width = bbox[..., 2] - bbox[..., 0]
    height = bbox[..., 3] - bbox[..., 1]
    if aspect_ratio is not None:
        wider = width > height * aspect_ratio
        width, height = (xp.where(wider, width, height * aspect_ratio),
                         xp.where(wider, width / aspect_ratio, height))
    size = xp.stack([width, height], axis=-1) * padding
    return center, size


def get_affine_matrix(center: Array,
                      size: Array,
                      rotation_deg: Union[Array, Number],
                      output_size: Sequence[int],
                      homogeneous: bool = True) -> Array:
    """Affine map from full-image px to the pixels of a rotated crop.

    The box of width ``size[..., 0]`` centred on ``center`` is scaled
    uniformly to the output width ``output_size[0]`` (as mmpose's
    ``get_warp_matrix``): with a box whose aspect ratio differs from the
    output's, the output shows the box's full width and more or less than
    its height (HP-ViT's 256x192 crop of a square box shows its central 75%
    rows). The centre goes to the output centre ``((w-1)/2, (h-1)/2)``.

    Args:
        center: (..., 2) crop centre, full-image px.
        size: (..., 2) crop ``(width, height)`` in full-image px (only the
            width sets the scale).
        rotation_deg: (...,) or scalar angle in degrees; positive turns the
            image content counter-clockwise as displayed (mmpose's and
            ``cv2.getRotationMatrix2D``'s sense).
        output_size: ``(w, h)`` of the crop, px.
        homogeneous: return (..., 3, 3) if True, else (..., 2, 3) for cv2.

    Returns:
        (..., 3, 3) or (..., 2, 3) matrix ``crop_px ~ A @ image_px``.
    """
    xp, (center, size, angle) = float_arrays(center, size, rotation_deg)
    scale = output_size[0] / size[..., 0]
    angle = angle * (math.pi / 180)
    cos, sin = xp.cos(angle) * scale, xp.sin(angle) * scale
    cx, cy = center[..., 0], center[..., 1]
    out_cx, out_cy = (output_size[0] - 1) / 2, (output_size[1] - 1) / 2
    rows = [
        [cos, sin, out_cx - cos * cx - sin * cy],
        [-sin, cos, out_cy + sin * cx - cos * cy],
    ]
    if homogeneous:
        zero = xp.zeros_like(rows[0][2])
        rows.append([zero, zero, zero + 1])
    return stack_matrix(rows)


def affine_to_3x3(affine: Array) -> Array:
    """(..., 2, 3) or (..., 3, 3) affine -> (..., 3, 3) homogeneous."""
    xp, (affine, ) = float_arrays(affine)
    if affine.shape[-2] == 3:
        return affine
    last = xp.zeros_like(affine[..., :1, :])
    last[..., 0, 2] = 1
    return xp.concatenate([affine, last], axis=-2)


def apply_affine_2d(points: Array, affine: Array) -> Array:
    """Map (..., N, 2) points with a (..., 2|3, 3) affine -> (..., N, 2)."""
    _, (points, affine) = float_arrays(points, affine)
    linear = affine[..., :2, :2]
    shift = affine[..., None, :2, 2]
    return points @ linear.swapaxes(-1, -2) + shift


def invert_affine(affine: Array) -> Array:
    """Inverse of a (..., 2|3, 3) affine map, same shape as the input.

    Closed form ``[M t]^-1 = [M^-1, -M^-1 t]`` (no general 3x3 inverse).
    """
    xp, (affine, ) = float_arrays(affine)
    a, b = affine[..., 0, 0], affine[..., 0, 1]
    c, d = affine[..., 1, 0], affine[..., 1, 1]
    tx, ty = affine[..., 0, 2], affine[..., 1, 2]
    det = a * d - b * c
    ia, ib, ic, id_ = d / det, -b / det, -c / det, a / det
    rows = [[ia, ib, -(ia * tx + ib * ty)], [ic, id_, -(ic * tx + id_ * ty)]]
    if affine.shape[-2] == 3:
        rows.append([xp.zeros_like(a), xp.zeros_like(a), xp.ones_like(a)])
    return stack_matrix(rows)


def resize_matrix(scale_x: Union[Array, Number],
                  scale_y: Union[Array, Number, None] = None) -> Array:
    """(..., 3, 3) map of an image resize by ``scale_x``, ``scale_y``.

    Pixel centres at integers (as ``cv2.resize``): ``u' = s (u + 0.5) - 0.5``.
    ``scale_y`` defaults to ``scale_x``.
    """
    scale_y = scale_x if scale_y is None else scale_y
    xp, (sx, sy) = float_arrays(scale_x, scale_y)
    zero = xp.zeros_like(sx * sy)
    rows = [[sx, zero, (sx - 1) / 2], [zero, sy, (sy - 1) / 2],
            [zero, zero, zero + 1]]
    return stack_matrix(rows)
