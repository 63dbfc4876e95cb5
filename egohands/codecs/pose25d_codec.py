"""``Pose25DCodec``: 2.5D hand pose, image position plus relative depth.

The target space of heatmap / integral-regression heads: for every joint its
position in the network input (``uv``, fractions of the input width and
height) and its depth relative to the wrist (``dz``, in units of
``depth_scale_mm``). Both are local, pixel-aligned quantities that a fully
convolutional network learns far faster than global 3D offsets.

Decoding lifts them back to 3D with the crop camera ``crop_K``: joint ``j``
lies on the ray ``r_j = crop_K^-1 (u_j, v_j, 1)`` at depth ``z_root + dz_j``.
The one unknown, the wrist depth, is fixed by the hand's size: it is the
depth at which the sum of the squared bone lengths equals that of the
training hands (a quadratic in ``z_root``; Iqbal et al., "Hand Pose
Estimation via Latent 2.5D Heatmap Regression", arXiv:1804.09534, fix it
with one reference bone). The result is wrist-relative, camera frame, mm.

Statistics: ``bone_sq_sum`` (mean over the training hands of the sum of
squared bone lengths, mm^2), from the same sources as
``RootRelativeJointCodec``'s (checkpoint, ``stats_file`` or
``TargetStatsHook``).
"""
from typing import Dict, Optional, Sequence

import torch

from egohands.codecs.base import BaseJointCodec
from egohands.datasets.metainfo import NUM_JOINTS, SKELETON, WRIST
from egohands.registry import MODELS
from egohands.utils.errors import MissingAssetError


@MODELS.register_module()
class Pose25DCodec(BaseJointCodec):
    """Crop-relative 2D positions and wrist-relative depths.

    Args:
        num_joints: K.
        root_index: the wrist.
        depth_scale_mm: unit of the ``dz`` targets.
        stats_file: optional statistics JSON (``bone_sq_sum``).

    Buffers: ``bone_sq_sum`` () mm^2, ``has_stats`` () bool.
    """

    needs_statistics = True

    def __init__(self,
                 num_joints: int = NUM_JOINTS,
                 root_index: int = WRIST,
                 depth_scale_mm: float = 100.0,
                 stats_file: Optional[str] = None) -> None:
        super().__init__()
        self.num_joints = num_joints
        self.root_index = root_index
        self.depth_scale_mm = float(depth_scale_mm)
        parents, children = zip(*SKELETON)
        self.register_buffer('bone_parent', torch.tensor(parents),
                             persistent=False)
        self.register_buffer('bone_child', torch.tensor(children),
                             persistent=False)
        self.register_buffer('bone_sq_sum', torch.tensor(0.0))
        self.init_statistics(stats_file, num_joints)

    def set_statistics(self, stats: Dict) -> None:
        """Install ``bone_sq_sum`` (mm^2) from a statistics dict."""
        if 'bone_sq_sum' not in stats:
            raise MissingAssetError(
                'Pose25DCodec needs bone_sq_sum in its statistics; recompute '
                'them with python tools/compute_target_stats.py CONFIG')
        self.bone_sq_sum.fill_(float(stats['bone_sq_sum']))
        self.has_stats.fill_(True)

    def encode(self, joints_3d: torch.Tensor, joints_valid: torch.Tensor,
               crop_K: torch.Tensor = None,
               input_size: Sequence[int] = None) -> Dict[str, torch.Tensor]:
        """Joints -> ``targets`` (B, K, 3): (u, v) fractions of the input
        size and dz / ``depth_scale_mm``; ``target_weights`` (B, K).

        Args:
            joints_3d: (B, K, 3) mm, camera frame of the input.
            joints_valid: (B, K) in {0, 1}.
            crop_K: (B, 3, 3) intrinsics of the input, px.
            input_size: (w, h) of the input, px.
        """
        size = joints_3d.new_tensor(input_size)
        projected = joints_3d @ crop_K.transpose(1, 2)
        depth = joints_3d[..., 2:]
        uv = projected[..., :2] / depth.clamp(min=1e-6) / size
        root = self.root_index
        dz = (depth - depth[:, root:root + 1]) / self.depth_scale_mm
        weights = joints_valid * joints_valid[:, root:root + 1]
        return dict(targets=torch.cat([uv, dz], dim=-1),
                    target_weights=weights)

    def decode(self, outputs: torch.Tensor, crop_K: torch.Tensor = None,
               input_size: Sequence[int] = None) -> torch.Tensor:
        """(B, K, 3) (u, v, dz) -> wrist-relative joints (B, K, 3), mm,
        camera frame of the input."""
        self._check_ready()
        size = outputs.new_tensor(input_size)
        pixels = outputs[..., :2] * size
        rays = torch.cat([pixels, torch.ones_like(pixels[..., :1])], -1) @ \
            torch.linalg.inv(crop_K).transpose(1, 2)          # z = 1
        dz = outputs[..., 2:] * self.depth_scale_mm
        z_root = self.root_depth(rays, dz)
        joints = (z_root[:, None, None] + dz) * rays
        return joints - joints[:, self.root_index:self.root_index + 1]

    def root_depth(self, rays: torch.Tensor, dz: torch.Tensor
                   ) -> torch.Tensor:
        """(B,) wrist depth (mm) whose skeleton has the training hands'
        sum of squared bone lengths.

        With ``X_j = (z + dz_j) r_j`` a bone ``(a, b)`` is ``z d + e``,
        ``d = r_b - r_a``, ``e = dz_b r_b - dz_a r_a``; the sum of its squared
        lengths is the quadratic ``A z^2 + 2 B z + C``; the larger root is
        the one in front of the camera.
        """
        parent, child = self.bone_parent, self.bone_child
        d = rays[:, child] - rays[:, parent]
        e = dz[:, child] * rays[:, child] - dz[:, parent] * rays[:, parent]
        a = (d * d).sum(dim=(1, 2)).clamp(min=1e-12)
        b = (d * e).sum(dim=(1, 2))
        c = (e * e).sum(dim=(1, 2)) - self.bone_sq_sum
        disc = (b * b - a * c).clamp(min=0.0)
        return (-b + disc.sqrt()) / a

    def _check_ready(self) -> None:
        if not self.has_statistics():
            raise MissingAssetError(
                'Pose25DCodec has no bone-length statistics; compute them '
                'with python tools/compute_target_stats.py CONFIG, or load a '
                'checkpoint trained with this codec')
