"""Perspective correction of a crop-frame global orientation.

A network that sees only the crop predicts the hand's global orientation
as if the crop were on the optical axis. Perspective correction turns that
prediction into the camera frame with the crop centre's view angles
``(a_x, a_y)`` (those of KPE, :func:`~egohands.models.encodings.kpe.
view_angles`): yaw about the camera's y axis by ``a_x``, after pitch about
its x axis by ``-a_y``,

    ``R_pc = R_y(a_x) @ R_x(-a_y)``,  ``R_cam = R_pc @ R_crop``,

so ``R_pc`` carries the optical axis to the direction of azimuth ``a_x``
and elevation ``a_y`` (exactly the centre ray when ``a_y = 0``). The image
itself is not warped (that is PCL, :mod:`.perspective_crop`).
"""
from typing import Optional

import torch

from egohands.geometry.rotation import axis_angle_to_matrix
from egohands.models.encodings.crop_encoding import CropEncoding
from egohands.models.encodings.kpe import box_centres, view_angles
from egohands.registry import MODELS


def perspective_correction_rotation(centre_px: torch.Tensor,
                                    K: torch.Tensor) -> torch.Tensor:
    """(B, 3, 3) ``R_pc``, crop frame -> camera frame.

    Args:
        centre_px: (B, 2) crop centre, full-image px.
        K: (B, 3, 3) full-image intrinsics, px.
    """
    angles = view_angles(centre_px, K)  # (B, 2) rad
    zero = torch.zeros_like(angles[:, 0])
    yaw = axis_angle_to_matrix(torch.stack([zero, angles[:, 0], zero], -1))
    pitch = axis_angle_to_matrix(torch.stack([-angles[:, 1], zero, zero],
                                             -1))
    return yaw @ pitch


@MODELS.register_module()
class PerspectiveCorrection(CropEncoding):
    """Perspective correction in the crop-encoding slot: no channels;
    ``correct_global_orient`` returns ``R_pc @ rotmat``.

    Args:
        level: where ``forward`` is called (it returns ``x`` unchanged).
    """

    def correct_global_orient(self, rotmat: torch.Tensor, boxes: torch.Tensor,
                              K: torch.Tensor,
                              image_size: Optional[torch.Tensor] = None
                              ) -> torch.Tensor:
        """(B, 3, 3) crop-frame global orientation -> camera frame."""
        rotation = perspective_correction_rotation(box_centres(boxes),
                                                   K.to(boxes))
        return rotation.to(rotmat) @ rotmat
