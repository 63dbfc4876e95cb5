"""KPE: intrinsics-aware positional encoding of a crop's place in the view.

WildHands (ECCV'24, after Prakash et al.'s KPE) tells the network where
the hand crop sits in the camera's field of view: a full-image pixel
``(x, y)`` becomes the view angles ``(atan2(x - cx, fx), atan2(y - cy,
fy))`` (radians) under the full-image intrinsics ``K``, and the angles
are encoded with ``sin(2^k a), cos(2^k a)``, ``k = 0 .. L - 1`` (no pi).

Layout (the reference code's, ``docs/wildhands.md``): an encoding of ``c``
angles is ``(L, c, 2)`` flattened, frequency-major, then angle, then
sin/cos. The sparse KPE is the crop centre (2 angles -> ``4 L`` = 16
values) followed by its four corners in the order ``(x0, y0), (x0, y1),
(x1, y0), (x1, y1)`` (8 angles ``[c0x, c0y, c1x, ...]`` -> ``16 L`` = 64
values): ``20 L`` = 80 values. The dense KPE encodes every pixel of a grid
laid over the box (corner pixels on the box corners) with the centre's
``4 L`` layout.

``use_intrinsics=False`` is the paper's ``no_intrx`` variant: ``K`` is
replaced by ``f = max(w, h) / 2`` and the image centre as principal point,
i.e. positions normalised by the image size (the reference's ``f = cx = cy
= 112`` on its 224-px padded-square frame).
"""
from typing import Optional, Sequence

import torch

from egohands.models.encodings.crop_encoding import CropEncoding
from egohands.registry import MODELS
from egohands.utils.errors import check_choice

VARIANTS = ('sparse', 'dense')


def view_angles(points: torch.Tensor, K: torch.Tensor) -> torch.Tensor:
    """(B, ..., 2) full-image px -> (B, ..., 2) horizontal / vertical view
    angles, rad, under (B, 3, 3) intrinsics without skew."""
    shape = (K.shape[0], ) + (1, ) * (points.dim() - 2)
    focal = torch.stack([K[:, 0, 0], K[:, 1, 1]], -1).view(*shape, 2)
    centre = torch.stack([K[:, 0, 2], K[:, 1, 2]], -1).view(*shape, 2)
    return torch.atan2(points - centre, focal)


def image_size_intrinsics(image_size: torch.Tensor) -> torch.Tensor:
    """(B, 2) image ``(w, h)`` px -> (B, 3, 3) the ``no_intrx`` camera:
    ``f = max(w, h) / 2``, principal point at the image centre."""
    image_size = torch.as_tensor(image_size)
    if not image_size.is_floating_point():
        image_size = image_size.to(torch.get_default_dtype())
    width, height = image_size[:, 0], image_size[:, 1]
    focal = torch.maximum(width, height) / 2
    K = torch.zeros(len(image_size), 3, 3, dtype=image_size.dtype,
                    device=image_size.device)
    K[:, 0, 0] = K[:, 1, 1] = focal
    K[:, 0, 2], K[:, 1, 2] = (width - 1) / 2, (height - 1) / 2
    K[:, 2, 2] = 1
    return K


def encoding_intrinsics(K: torch.Tensor, use_intrinsics: bool,
                        image_size: Optional[torch.Tensor]) -> torch.Tensor:
    """The camera the angles are taken under: ``K`` or the ``no_intrx`` one."""
    if use_intrinsics:
        return K
    if image_size is None:
        raise ValueError('KPE with use_intrinsics=False (no_intrx) needs '
                         'image_size (B, 2) = full-image (w, h) px')
    return image_size_intrinsics(image_size).to(K)


def sinusoidal_encoding(angles: torch.Tensor, num_freqs: int) -> torch.Tensor:
    """(..., c) angles, rad -> (..., num_freqs * c * 2): ``sin(2^k a)``,
    ``cos(2^k a)`` in (frequency, angle, sin/cos) order."""
    freqs = 2.0**torch.arange(num_freqs, dtype=angles.dtype,
                              device=angles.device)
    scaled = freqs[:, None] * angles[..., None, :]  # (..., L, c)
    pairs = torch.stack([torch.sin(scaled), torch.cos(scaled)], -1)
    return pairs.flatten(-3)


def box_centres(boxes: torch.Tensor) -> torch.Tensor:
    """(B, 4) x0, y0, x1, y1 -> (B, 2) box centres, same unit."""
    return (boxes[:, :2] + boxes[:, 2:]) / 2


def box_corners(boxes: torch.Tensor) -> torch.Tensor:
    """(B, 4) boxes -> (B, 4, 2) corners in KPE order (x0, y0), (x0, y1),
    (x1, y0), (x1, y1)."""
    x0, y0, x1, y1 = boxes.unbind(-1)
    return torch.stack([torch.stack([x0, y0], -1), torch.stack([x0, y1], -1),
                        torch.stack([x1, y0], -1), torch.stack([x1, y1], -1)],
                       1)


def sparse_kpe(boxes: torch.Tensor, K: torch.Tensor, num_freqs: int = 4,
               use_intrinsics: bool = True,
               image_size: Optional[torch.Tensor] = None) -> torch.Tensor:
    """Sparse KPE of crop boxes: centre ``4 L`` then corners ``16 L`` values.

    Args:
        boxes: (B, 4) crop box x0, y0, x1, y1, full-image px.
        K: (B, 3, 3) full-image intrinsics, px.
        num_freqs: ``L``, frequencies ``2^0 .. 2^(L-1)``.
        use_intrinsics: False for ``no_intrx`` (needs ``image_size``).
        image_size: (B, 2) full-image (w, h), px.

    Returns:
        (B, 20 L) encoding (80 for L = 4), unitless in [-1, 1].
    """
    K = encoding_intrinsics(K, use_intrinsics, image_size).to(boxes)
    centre = view_angles(box_centres(boxes), K)  # (B, 2)
    corners = view_angles(box_corners(boxes), K).flatten(1)  # (B, 8)
    return torch.cat([sinusoidal_encoding(centre, num_freqs),
                      sinusoidal_encoding(corners, num_freqs)], -1)


def box_grid(boxes: torch.Tensor, out_hw: Sequence[int]) -> torch.Tensor:
    """(B, 4) boxes -> (B, h, w, 2) full-image px of an ``out_hw`` grid whose
    corner cells sit on the box corners (a 1-cell side sits on the centre)."""
    height, width = int(out_hw[0]), int(out_hw[1])

    def steps(n):
        if n == 1:
            return boxes.new_full((1, ), 0.5)
        return torch.linspace(0, 1, n, dtype=boxes.dtype,
                              device=boxes.device)

    x0, y0, x1, y1 = (v[:, None] for v in boxes.unbind(-1))
    xs = x0 + (x1 - x0) * steps(width)  # (B, w)
    ys = y0 + (y1 - y0) * steps(height)  # (B, h)
    return torch.stack([xs[:, None, :].expand(-1, height, -1),
                        ys[:, :, None].expand(-1, -1, width)], -1)


def dense_kpe(boxes: torch.Tensor, K: torch.Tensor, out_hw: Sequence[int],
              num_freqs: int = 4, use_intrinsics: bool = True,
              image_size: Optional[torch.Tensor] = None) -> torch.Tensor:
    """Per-pixel KPE of a grid laid over each box (see :func:`box_grid`).

    Args:
        boxes, K, num_freqs, use_intrinsics, image_size: as
            :func:`sparse_kpe`.
        out_hw: (h, w) of the encoding, e.g. the crop or a feature map.

    Returns:
        (B, 4 L, h, w); pixel ``(i, j)`` holds the ``4 L`` centre-layout
        encoding of its grid point.
    """
    K = encoding_intrinsics(K, use_intrinsics, image_size).to(boxes)
    angles = view_angles(box_grid(boxes, out_hw), K)  # (B, h, w, 2)
    return sinusoidal_encoding(angles, num_freqs).permute(0, 3, 1, 2)


@MODELS.register_module()
class KeypointPositionalEncoding(CropEncoding):
    """KPE channels appended to a crop (``'input'``) or a feature map
    (``'latent'``): the sparse 80 values broadcast to every pixel, or the
    dense per-pixel encoding at the map's size.

    Args:
        variant: ``'sparse'`` (WildHands) or ``'dense'``.
        level: ``'input'`` or ``'latent'`` (WildHands: latent).
        num_freqs: ``L`` (4).
        use_intrinsics: False for the ``no_intrx`` ablation.
    """

    def __init__(self, variant: str = 'sparse', level: str = 'latent',
                 num_freqs: int = 4, use_intrinsics: bool = True) -> None:
        super().__init__(level)
        check_choice(type(self).__name__, 'variant', variant, VARIANTS)
        self.variant = variant
        self.num_freqs = int(num_freqs)
        self.use_intrinsics = bool(use_intrinsics)
        per_point = 4 * self.num_freqs
        self.extra_channels = per_point * (5 if variant == 'sparse' else 1)

    def encoding(self, boxes: torch.Tensor, K: torch.Tensor, out_hw,
                 image_size: Optional[torch.Tensor] = None) -> torch.Tensor:
        """(B, extra_channels, h, w) KPE channels for a map of ``out_hw``."""
        if self.variant == 'dense':
            return dense_kpe(boxes, K, out_hw, self.num_freqs,
                             self.use_intrinsics, image_size)
        values = sparse_kpe(boxes, K, self.num_freqs, self.use_intrinsics,
                            image_size)
        return values[:, :, None, None].expand(-1, -1, *out_hw)

    def extra_repr(self) -> str:
        return (f'variant={self.variant!r}, level={self.level!r}, '
                f'num_freqs={self.num_freqs}, '
                f'use_intrinsics={self.use_intrinsics}')
