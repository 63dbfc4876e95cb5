"""Soft silhouettes of triangle meshes (SoftRas-style), pure torch, batched.

For a triangle ``j`` and a pixel centre ``p`` (integer coordinates), with
``d_j(p)`` the screen-space distance from ``p`` to the triangle (0 inside)
or to its boundary (inside), and ``delta = +1`` inside, ``-1`` outside:

    ``D_j(p) = sigmoid(delta * d_j(p)^2 / sigma)``,
    ``I(p) = 1 - prod_j (1 - D_j(p))``,

with ``sigma`` in px^2 (pytorch3d's NDC ``sigma`` is ``sigma_px / (s/2)^2``
for an image of short side ``s``, :func:`sigma_from_ndc`). The product is
accumulated as a sum of ``log(1 - D) = logsigmoid(-delta d^2 / sigma)``.

Only the pixels of each triangle's bounding box grown by the distance where
``D`` falls below ``cutoff`` are evaluated (all (face, pixel) pairs at once,
:mod:`.face_windows`), so the cost follows the covered area, not
``pixels x faces``. The result is differentiable with respect to the
vertices (and ``K``); the per-pair terms have an analytic backward that
recomputes them instead of storing autograd intermediates. No pytorch3d is
needed.
"""
import math
from typing import NamedTuple, Sequence

import torch
import torch.nn.functional as F

from .face_windows import face_windows, window_pixels
from .projection import project_to_pixels


def sigma_from_ndc(sigma_ndc: float, out_hw: Sequence[int]) -> float:
    """pytorch3d's ``sigma`` (squared NDC units) -> px^2 for ``out_hw``."""
    return float(sigma_ndc) * (min(out_hw) / 2)**2


def blur_margin(sigma: float, cutoff: float) -> float:
    """px beyond a triangle's edge where ``D = sigmoid(-d^2 / sigma)`` falls
    to ``cutoff``."""
    return math.sqrt(sigma * math.log(1 / cutoff - 1))


class _EdgeDistances(NamedTuple):
    """Per (face, pixel) pair: ``signed`` distance^2 (+ inside), and for the
    nearest edge ``k`` its parameter ``t`` of the nearest point and the
    offset ``(rx, ry)`` from that point to the pixel."""
    signed: torch.Tensor
    edge: torch.Tensor
    t: torch.Tensor
    rx: torch.Tensor
    ry: torch.Tensor


#: corners (start, end) of the edges of triangle (a, b, c)
_EDGES = ((0, 1), (1, 2), (2, 0))


def _edge_distances(corners: Sequence[torch.Tensor], px: torch.Tensor,
                    py: torch.Tensor) -> _EdgeDistances:
    """Distances of (N,) pixels to their triangles; ``corners`` holds the
    six (N,) columns ax, ay, bx, by, cx, cy, px."""
    xs, ys = corners[0::2], corners[1::2]
    area = ((xs[1] - xs[0]) * (ys[2] - ys[0]) -
            (ys[1] - ys[0]) * (xs[2] - xs[0]))
    inside = torch.ones_like(px, dtype=torch.bool)
    best = None
    for k, (i, j) in enumerate(_EDGES):
        ex, ey = xs[j] - xs[i], ys[j] - ys[i]
        rel_x, rel_y = px - xs[i], py - ys[i]
        inside &= (ex * rel_y - ey * rel_x) * area > 0
        t = ((rel_x * ex + rel_y * ey) /
             (ex * ex + ey * ey).clamp_min(1e-12)).clamp(0, 1)
        rx, ry = rel_x - t * ex, rel_y - t * ey
        dist_sq = rx * rx + ry * ry
        if best is None:
            best = [dist_sq, torch.zeros_like(px, dtype=torch.long), t, rx,
                    ry]
            continue
        closer = dist_sq < best[0]
        best = [torch.where(closer, new, old) for new, old in zip(
            (dist_sq, torch.full_like(best[1], k), t, rx, ry), best)]
    signed = torch.where(inside, best[0], -best[0])
    return _EdgeDistances(signed, *best[1:])


class _PairLogOutside(torch.autograd.Function):
    """``log(1 - D)`` of (face, pixel) pairs with an analytic backward.

    Forward and backward evaluate the pairs without keeping per-pair
    intermediates (the backward recomputes them), so memory stays at the
    size of the pair list. With ``q`` the nearest point ``s + t (e - s)`` of
    the nearest edge ``s -> e`` and ``r = p - q``: ``d(d^2)/ds = -2 r (1-t)``,
    ``d(d^2)/de = -2 r t`` (``t`` is optimal or clamped, so its own
    derivative drops out).
    """

    @staticmethod
    def forward(ctx, face_uv: torch.Tensor, face: torch.Tensor,
                px: torch.Tensor, py: torch.Tensor,
                sigma: float) -> torch.Tensor:
        table = face_uv.detach().T.contiguous()  # (6, M)
        distances = _edge_distances(table[:, face], px, py)
        ctx.save_for_backward(face_uv, face, px, py)
        ctx.sigma = sigma
        return F.logsigmoid(-distances.signed / sigma)

    @staticmethod
    def backward(ctx, grad_out: torch.Tensor):
        face_uv, face, px, py = ctx.saved_tensors
        table = face_uv.detach().T.contiguous()
        distances = _edge_distances(table[:, face], px, py)
        # d log(1 - D) / d signed = -sigmoid(signed / sigma) / sigma
        coeff = -grad_out * torch.sigmoid(distances.signed / ctx.sigma) / \
            ctx.sigma
        coeff = torch.where(distances.signed > 0, coeff, -coeff) * -2
        grad_x, grad_y = coeff * distances.rx, coeff * distances.ry
        rows = torch.zeros_like(table[:, face])  # (6, N)
        for k, (i, j) in enumerate(_EDGES):
            on_edge = distances.edge == k
            for corner, share in ((i, 1 - distances.t), (j, distances.t)):
                weight = torch.where(on_edge, share, torch.zeros_like(share))
                rows[2 * corner] += weight * grad_x
                rows[2 * corner + 1] += weight * grad_y
        grad_table = torch.zeros_like(table).index_add_(1, face, rows)
        return grad_table.T, None, None, None, None


def pair_log_outside(face_uv: torch.Tensor, face: torch.Tensor,
                     px: torch.Tensor, py: torch.Tensor,
                     sigma: float) -> torch.Tensor:
    """(N,) ``log(1 - D)`` of pixels ``(px, py)`` in triangles
    ``face_uv[face]`` ((M, 6) rows ax, ay, bx, by, cx, cy), px."""
    return _PairLogOutside.apply(face_uv, face, px, py, sigma)


def soft_silhouette(vertices: torch.Tensor, faces: torch.Tensor,
                    K: torch.Tensor, out_hw: Sequence[int],
                    sigma: float = 0.1, cutoff: float = 1e-4,
                    near: float = 1e-3) -> torch.Tensor:
    """Render soft silhouettes of a batch of meshes.

    Args:
        vertices: (B, V, 3) camera-frame vertices (OpenCV axes), any length
            unit (egohands' hand models give mm).
        faces: (F, 3) int vertex indices, shared by the batch.
        K: (B, 3, 3) or (3, 3) intrinsics of the output image (e.g. the
            crop's ``crop_K``, scaled to ``out_hw``), px.
        out_hw: (h, w) of the output, px.
        sigma: sharpness, px^2 (small = hard edges).
        cutoff: ``D`` below this is not evaluated (sets the window margin).
        near: faces with a corner at ``z <= near`` (unit of ``vertices``)
            are dropped.

    Returns:
        (B, h, w) silhouettes in [0, 1], dtype of ``vertices``.
    """
    height, width = int(out_hw[0]), int(out_hw[1])
    batch, num_faces = vertices.shape[0], faces.shape[0]
    K = K.to(vertices).expand(batch, 3, 3)
    faces = faces.to(device=vertices.device, dtype=torch.long)
    uv, depth = project_to_pixels(vertices, K)
    face_uv = uv[:, faces].reshape(batch * num_faces, 3, 2)
    usable = (depth[:, faces] > near).all(-1).reshape(-1)
    windows = face_windows(face_uv.detach(), width, height,
                           margin=blur_margin(sigma, cutoff),
                           face_mask=usable)
    pairs = window_pixels(windows)
    pixel = (pairs.face // num_faces) * (height * width) + \
        pairs.y * width + pairs.x
    log_outside = pair_log_outside(face_uv.reshape(-1, 6), pairs.face,
                                   pairs.x.to(uv.dtype), pairs.y.to(uv.dtype),
                                   sigma)
    total = uv.new_zeros(batch * height * width).index_add(
        0, pixel, log_outside)
    return (1 - torch.exp(total)).view(batch, height, width)
