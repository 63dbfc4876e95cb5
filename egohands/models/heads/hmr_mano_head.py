"""``HMRMANOHead``: the iterative MANO regressor of WildHands and ArcticNet-SF.

One hand, one feature vector (or a map, average-pooled). An MLP predicts
the initial weak-perspective camera ``(s, tx, ty)``; the pose starts at the
identity rotations (with ``flat_hand_mean=False`` this is MANO's mean hand)
and the shape at zero. Each of ``num_iterations`` (3) steps feeds
``[feature, pose_6d, cam, betas]`` through a shared MLP and adds the three
readouts to the current estimate (HMR's iterative error feedback).

**6D rotations are rows**: the 6 numbers are the first two *rows* of each
matrix (``rot6d_rows_to_matrix``, pytorch3d's layout used by WildHands),
not HaMeR's columns.

**Camera of the full frame**: the weak perspective refers to the whole
``image_size`` (224) frame seen through its true intrinsics ``K``:
``t = (tx, ty, 2 f / (image_size max(s, min_scale)))`` metres with
``f = (fx + fy) / 2``; joints are ``MANO(...) + t`` in that camera and
project with ``K`` to frame pixels.

Losses of one hand are in :meth:`HMRMANOHead.losses` (unweighted, mean
squared errors like the reference); the estimator weights and sums them.
"""
from typing import Callable, Dict, List, Optional

import torch
from mmengine.model import BaseModule
from torch import nn

from egohands.geometry.camera import project_points
from egohands.geometry.rotation import (axis_angle_to_matrix,
                                        matrix_to_rot6d_rows,
                                        rot6d_rows_to_matrix)
from egohands.geometry.weak_perspective import (
    translation_to_weak_perspective, weak_perspective_to_translation)
from egohands.registry import MODELS
from egohands.utils.errors import ConfigError

NUM_ROTATIONS = 16  # global orientation + 15 MANO joints
NUM_BETAS = 10
#: widths of the estimate fed back at each step, in this order
ESTIMATE_SIZES = (('pose_6d', 6 * NUM_ROTATIONS), ('cam', 3),
                  ('betas', NUM_BETAS))


def masked_mse(error_sq: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
    """Mean of ``error_sq`` (B, ..., D) over the entries whose ``weight``
    (B, ...) is 1; zero (with a gradient path) when none is."""
    weight = weight.to(error_sq.dtype)
    while weight.dim() < error_sq.dim():
        weight = weight[..., None]
    weight = weight.expand_as(error_sq)
    error_sq = torch.where(weight > 0, error_sq, torch.zeros_like(error_sq))
    return (error_sq * weight).sum() / weight.sum().clamp(min=1.0)


@MODELS.register_module()
class HMRMANOHead(BaseModule):
    """Iterative MANO regressor of one hand (module docstring).

    Args:
        in_channels: width of the feature vector (ResNet-50: 2048).
        hand_model: config of the ``MANOHand`` of this hand, with
            ``flat_hand_mean=False`` (zero pose = MANO's mean pose).
        num_iterations: refinement steps (3).
        hidden_channels: width of the refinement MLP (1024).
        cam_init_channels: width of the initial-camera MLP (512).
        dropout: dropout after each refinement layer (0.5).
        image_size: side of the full frame the camera refers to, px (224).
        min_scale: lower clamp of the weak-perspective scale (0.1).
        decoder_init_gain: Xavier gain of the three readouts (0.01), so
            training starts near the initial estimate.
        init_cfg: mmengine init config.
    """

    def __init__(self,
                 in_channels: int = 2048,
                 hand_model: Optional[dict] = None,
                 num_iterations: int = 3,
                 hidden_channels: int = 1024,
                 cam_init_channels: int = 512,
                 dropout: float = 0.5,
                 image_size: float = 224.0,
                 min_scale: float = 0.1,
                 decoder_init_gain: float = 0.01,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        hand_model = dict(hand_model or dict(model_path='data/mano'))
        hand_model.setdefault('type', 'MANOHand')
        hand_model.setdefault('flat_hand_mean', False)
        self.hand_model = MODELS.build(hand_model)
        if self.hand_model.flat_hand_mean:
            raise ConfigError(
                'HMRMANOHead: hand_model must have flat_hand_mean=False (the '
                "identity pose is MANO's mean hand, as in WildHands)")
        if num_iterations < 1:
            raise ConfigError('HMRMANOHead: num_iterations must be >= 1, '
                              f'got {num_iterations}')
        self.num_iterations = int(num_iterations)
        self.image_size = float(image_size)
        self.min_scale = float(min_scale)
        estimate_width = sum(size for _, size in ESTIMATE_SIZES)
        self.cam_init = nn.Sequential(
            nn.Linear(in_channels, cam_init_channels), nn.ReLU(),
            nn.Linear(cam_init_channels, cam_init_channels), nn.ReLU(),
            nn.Linear(cam_init_channels, 3))
        self.refine = nn.Sequential(
            nn.Linear(in_channels + estimate_width, hidden_channels),
            nn.ReLU(), nn.Dropout(dropout),
            nn.Linear(hidden_channels, hidden_channels), nn.ReLU(),
            nn.Dropout(dropout))
        self.decoders = nn.ModuleDict({
            name: nn.Linear(hidden_channels, size)
            for name, size in ESTIMATE_SIZES
        })
        for decoder in self.decoders.values():
            nn.init.xavier_uniform_(decoder.weight, gain=decoder_init_gain)
        identity = matrix_to_rot6d_rows(torch.eye(3)).repeat(NUM_ROTATIONS)
        self.register_buffer('init_pose_6d', identity[None],
                             persistent=False)

    @property
    def side(self) -> str:
        return self.hand_model.side

    # ------------------------------------------------------------ forward
    def regress(self, feat: torch.Tensor) -> List[Dict[str, torch.Tensor]]:
        """(B, C) feature -> the estimates ``pose_6d`` (B, 96), ``cam``
        (B, 3), ``betas`` (B, 10): the initial one, then one per step."""
        batch = feat.shape[0]
        estimate = dict(pose_6d=self.init_pose_6d.expand(batch, -1),
                        cam=self.cam_init(feat),
                        betas=feat.new_zeros(batch, NUM_BETAS))
        estimates = [estimate]
        for _ in range(self.num_iterations):
            hidden = self.refine(torch.cat(
                [feat] + [estimate[name] for name, _ in ESTIMATE_SIZES], 1))
            estimate = {name: estimate[name] + decoder(hidden)
                        for name, decoder in self.decoders.items()}
            estimates.append(estimate)
        return estimates

    def focal(self, K: torch.Tensor) -> torch.Tensor:
        """(B,) mean focal length ``(fx + fy) / 2`` of (B, 3, 3) ``K``."""
        return (K[:, 0, 0] + K[:, 1, 1]) / 2

    def forward(self, feat: torch.Tensor, K: torch.Tensor,
                orient_correction: Optional[Callable] = None
                ) -> Dict[str, torch.Tensor]:
        """Feature (B, C) or map (B, C, h, w); ``K`` (B, 3, 3) intrinsics
        of the ``image_size`` frame, px; ``orient_correction`` an optional
        map of the (B, 3, 3) global orientation before MANO (perspective
        correction of a crop encoding). Returns:

        ``rotmats`` (B, 16, 3, 3) global orientation then 15 joints, in the
        mean-pose convention; ``pose_6d`` (B, 96); ``betas`` (B, 10);
        ``cam`` and ``cam_init`` (B, 3) ``(s, tx, ty)``; ``cam_t`` (B, 3) m;
        ``joints_m`` (B, 21, 3) and ``vertices_m`` (B, 778, 3) in the MANO
        frame; ``joints_cam_m`` (B, 21, 3) in the camera frame;
        ``keypoints_2d`` (B, 21, 2) frame px; ``estimates`` (the list of
        :meth:`regress`).
        """
        if feat.dim() == 4:
            feat = feat.mean(dim=(2, 3))
        estimates = self.regress(feat)
        final = estimates[-1]
        batch = feat.shape[0]
        rotmats = rot6d_rows_to_matrix(
            final['pose_6d'].reshape(batch, NUM_ROTATIONS, 6))
        if orient_correction is not None:
            rotmats = torch.cat(
                [orient_correction(rotmats[:, 0])[:, None], rotmats[:, 1:]],
                1)
        hand = self.hand_model(hand_pose=rotmats[:, 1:], betas=final['betas'],
                               global_orient=rotmats[:, :1])
        cam_t = self.camera_translation(final['cam'], K)
        joints_cam = hand.joints_m + cam_t[:, None]
        keypoints_2d = project_points(joints_cam, K.to(joints_cam.dtype))
        return dict(rotmats=rotmats, pose_6d=final['pose_6d'],
                    betas=final['betas'], cam=final['cam'],
                    cam_init=estimates[0]['cam'], cam_t=cam_t,
                    joints_m=hand.joints_m, vertices_m=hand.vertices_m,
                    joints_cam_m=joints_cam, keypoints_2d=keypoints_2d,
                    estimates=estimates)

    def camera_translation(self, cam: torch.Tensor,
                           K: torch.Tensor) -> torch.Tensor:
        """(B, 3) ``(s, tx, ty)`` -> (B, 3) metres in the frame's camera."""
        scale = cam[:, 0].clamp(min=self.min_scale)
        return weak_perspective_to_translation(
            torch.cat([scale[:, None], cam[:, 1:]], 1), self.focal(K),
            self.image_size)

    # -------------------------------------------------------------- targets
    def weak_perspective_target(self, transl: torch.Tensor,
                                K: torch.Tensor) -> torch.Tensor:
        """(B, 3) MANO translation (m, camera frame: joints = MANO + transl)
        -> (B, 3) ground-truth ``(s, tx, ty)``; a translation without
        depth (a sample without MANO ground truth) gives a finite dummy."""
        depth = transl[:, 2:]
        transl = torch.cat([transl[:, :2], torch.where(
            depth > 0, depth, torch.ones_like(depth))], 1)
        return translation_to_weak_perspective(transl, self.focal(K),
                                               self.image_size)

    def rotmat_target(self, mano_pose: torch.Tensor) -> torch.Tensor:
        """(B, 48) axis-angle in egohands' flat-hand convention -> (B, 16,
        3, 3) matrices in this head's mean-pose convention."""
        pose = mano_pose.reshape(-1, NUM_ROTATIONS, 3)
        relative = torch.cat([pose[:, :1], pose[:, 1:] -
                              self.hand_model.hands_mean.reshape(1, -1, 3)],
                             1)
        return axis_angle_to_matrix(relative)

    def losses(self, out: Dict[str, torch.Tensor],
               target: Dict[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
        """Unweighted mean-squared losses of one hand.

        ``target``: ``joints_3d`` (B, 21, 3) m camera frame and
        ``joints_valid`` (B, 21); ``keypoints_2d`` (B, 21, 2) frame px and
        ``keypoints_2d_valid`` (B, 21); ``rotmats`` (B, 16, 3, 3) (from
        :meth:`rotmat_target`), ``betas`` (B, 10), ``cam`` (B, 3) and
        ``mano_valid`` (B,). Returns ``keypoints_3d`` (wrist-relative, the
        wrist must be valid), ``keypoints_2d`` (in ``2 x / image_size - 1``
        units), ``pose``, ``betas`` and ``cam`` (final and initial camera).
        """
        joints_valid = target['joints_valid'] * target['joints_valid'][:, :1]
        pred_rel = out['joints_cam_m'] - out['joints_cam_m'][:, :1]
        gt_rel = target['joints_3d'] - target['joints_3d'][:, :1]
        to_unit = lambda px: 2 * px / self.image_size - 1  # noqa: E731
        mano_valid = target['mano_valid']
        cam_error = ((out['cam'] - target['cam'])**2 +
                     (out['cam_init'] - target['cam'])**2)
        return dict(
            keypoints_3d=masked_mse((pred_rel - gt_rel)**2, joints_valid),
            keypoints_2d=masked_mse(
                (to_unit(out['keypoints_2d']) -
                 to_unit(target['keypoints_2d']))**2,
                target['keypoints_2d_valid']),
            pose=masked_mse((out['rotmats'] - target['rotmats'])**2,
                            mano_valid),
            betas=masked_mse((out['betas'] - target['betas'])**2,
                             mano_valid),
            cam=masked_mse(cam_error, mano_valid))
