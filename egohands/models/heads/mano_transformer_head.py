"""``MANOTransformerHead``: HaMeR's MANO regressor on ViT image tokens.

One query token (a zero scalar embedded by ``Linear(1, dim)`` plus a learned
position embedding) cross-attends to the backbone's patch tokens through a
pre-norm decoder (``cross_attention_decoder``). Three linear readouts give
residuals over mean parameters kept as buffers (``init_hand_pose``,
``init_betas``, ``init_cam``): 16 rotations in HaMeR's 6D column layout
(global orientation first), 10 betas and the weak-perspective camera
``(s, tx, ty)``. The MANO layer (right hand, flat-hand mean) turns them into
vertices and the 21 canonical joints, in metres.

**Cameras** (``egohands.geometry.weak_perspective``): the hand sits at
``t = (tx, ty, 2 F / (IMG s))`` in a virtual crop camera of focal ``F``;
its 2D keypoints are the projections in that camera. ``predict`` moves the
hand into the real camera of the crop (``crop_K`` of the sample, i.e. the
true intrinsics and crop affine) to give absolute camera-frame joints.

**Pose frame of the supervision** (``pose_frame``). The network sees only
its crop, so the global orientation it can read is the hand's orientation
as seen through the crop, i.e. in the crop frame of
``egohands.geometry.weak_perspective.crop_frame_rotation`` (``z`` on the ray
of the crop centre). ``'camera'`` (HaMeR's code) supervises the 3D joints
and global orientation in the camera frame, which equals the crop frame
for crops near the principal point (HaMeR's training data). ``'crop'``
rotates the ground truth into the crop frame first, which keeps the
virtual camera's 2D consistent with the 3D under wide, off-centre views
(EgoSynth, EgoExo4D); the camera-frame orientation is then left to
HaMeR-align. Either way ``predict`` places the pose as the network gives it
at the weak-perspective translation (HaMeR's output).

**Right hands only.** HaMeR mirrors left hands into right hands; put
``RandomFlip(direction='horizontal', prob=1.0, hand_sides=('left',))``
after ``TopdownAffine`` in every pipeline. The estimator mirrors the
predictions back (``pred_mano`` then holds left-hand MANO parameters).

Losses (module configs, each optional): wrist-relative 3D joints in metres,
2D keypoints in normalised crop units, MANO rotation matrices and betas,
and the adversarial prior; masked by ``gt_joints_valid``,
``gt_keypoints_2d_valid`` and ``gt_mano_valid``.
"""
from typing import Dict, List, Optional, Sequence

import numpy as np
import torch
from torch import nn

from egohands.geometry.camera import project_points
from egohands.geometry.rotation import (axis_angle_to_matrix,
                                        matrix_to_axis_angle,
                                        rot6d_columns_to_matrix)
from egohands.geometry.weak_perspective import (
    HAMER_FOCAL_LENGTH, HAMER_IMAGE_SIZE, crop_frame_rotation,
    crop_px_to_normalized, virtual_crop_intrinsics, virtual_to_camera_translation,
    weak_perspective_to_translation)
from egohands.models.heads.base_head import (BaseHandHead, Features,
                                             stack_field)
from egohands.models.heads.cross_attention_decoder import \
    CrossAttentionDecoder
from egohands.registry import MODELS
from egohands.structures import HandDataSample
from egohands.utils.errors import (ConfigError, MissingAssetError,
                                   check_choice)

NUM_ROTATIONS = 16  # global orientation + 15 MANO joints
NUM_BETAS = 10
#: identity rotation in the 6D column layout
IDENTITY_6D = (1.0, 0.0, 0.0, 0.0, 1.0, 0.0)
POSE_FRAMES = ('camera', 'crop')
MIRROR_HINT = ("add dict(type='RandomFlip', direction='horizontal', "
               "prob=1.0, hand_sides=('left',)) after TopdownAffine")


def load_mean_params(path: str) -> Dict[str, np.ndarray]:
    """HaMeR's ``mano_mean_params.npz``: pose (96,) 6D, shape (10,), cam (3,).
    """
    try:
        data = np.load(path)
    except FileNotFoundError:
        raise MissingAssetError(
            f'MANOTransformerHead: mean_params file {path} not found; it is '
            '_DATA/data/mano_mean_params.npz of hamer_demo_data.tar.gz '
            '(model_zoo.md), or set mean_params=None') from None
    return {key: np.asarray(data[key], np.float32).reshape(-1)
            for key in ('pose', 'shape', 'cam')}


@MODELS.register_module()
class MANOTransformerHead(BaseHandHead):
    """HaMeR's transformer-decoder MANO head.

    Args:
        in_channels: width of the image tokens (ViT-H: 1280).
        hand_model: config of the right ``MANOHand`` with
            ``flat_hand_mean=True``.
        embed_dim: query token width (HaMeR: 1024).
        depth: decoder layers (6).
        num_heads: attention heads (8).
        head_dim: width per head (64).
        mlp_dim: feed-forward width (1024).
        dropout: dropout in the decoder (0).
        focal_length: ``F`` of the virtual crop camera, px on an
            ``image_size`` crop (5000).
        image_size: ``IMG``, crop side that ``F`` refers to (256). A network
            input of another width ``W`` uses the focal ``F W / IMG`` px.
        mean_params: optional ``mano_mean_params.npz`` for the buffers.
        init_cam: mean ``(s, tx, ty)`` without ``mean_params``.
        pose_frame: ``'camera'`` or ``'crop'``, the frame of the 3D-joint
            and global-orientation targets (module docstring).
        decoder_init_gain: if set, Xavier-uniform weights of this gain and
            zero biases for the three readouts (HaMeR's
            ``INIT_DECODER_XAVIER`` uses 0.01 and is off in its config), so
            that training from scratch starts at the mean parameters.
        loss_keypoints_3d, loss_keypoints_2d, loss_mano, loss_adversarial:
            loss configs or None (term off).
        init_cfg: mmengine init config.
    """

    def __init__(self,
                 in_channels: int = 1280,
                 hand_model: Optional[dict] = None,
                 embed_dim: int = 1024,
                 depth: int = 6,
                 num_heads: int = 8,
                 head_dim: int = 64,
                 mlp_dim: int = 1024,
                 dropout: float = 0.0,
                 focal_length: float = HAMER_FOCAL_LENGTH,
                 image_size: float = HAMER_IMAGE_SIZE,
                 mean_params: Optional[str] = None,
                 init_cam: Sequence[float] = (6.0, 0.0, 0.0),
                 decoder_init_gain: Optional[float] = None,
                 pose_frame: str = 'camera',
                 loss_keypoints_3d: Optional[dict] = dict(
                     type='Keypoint3DLoss', loss_weight=0.05),
                 loss_keypoints_2d: Optional[dict] = dict(
                     type='Keypoint2DLoss', loss_weight=0.01),
                 loss_mano: Optional[dict] = dict(type='MANOParamLoss'),
                 loss_adversarial: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        hand_model = dict(hand_model or dict(model_path='data/mano'))
        hand_model.setdefault('type', 'MANOHand')
        self.hand_model = MODELS.build(hand_model)
        if getattr(self.hand_model, 'side', 'right') != 'right' or not \
                getattr(self.hand_model, 'flat_hand_mean', True):
            raise ConfigError(
                'MANOTransformerHead: hand_model must be the right MANO with '
                "flat_hand_mean=True (HaMeR's convention); left hands are "
                f'mirrored by the pipeline: {MIRROR_HINT}')
        check_choice('MANOTransformerHead', 'pose_frame', pose_frame,
                     POSE_FRAMES)
        self.pose_frame = pose_frame
        self.focal_length = float(focal_length)
        self.image_size = float(image_size)
        self.query_embed = nn.Linear(1, embed_dim)
        self.query_pos = nn.Parameter(torch.randn(1, 1, embed_dim))
        self.decoder = CrossAttentionDecoder(embed_dim, in_channels, depth,
                                             num_heads, head_dim, mlp_dim,
                                             dropout)
        self.decpose = nn.Linear(embed_dim, 6 * NUM_ROTATIONS)
        self.decshape = nn.Linear(embed_dim, NUM_BETAS)
        self.deccam = nn.Linear(embed_dim, 3)
        if decoder_init_gain is not None:
            for readout in (self.decpose, self.decshape, self.deccam):
                nn.init.xavier_uniform_(readout.weight,
                                        gain=decoder_init_gain)
                nn.init.zeros_(readout.bias)
        mean = (load_mean_params(mean_params) if mean_params else dict(
            pose=np.tile(np.float32(IDENTITY_6D), NUM_ROTATIONS),
            shape=np.zeros(NUM_BETAS, np.float32),
            cam=np.asarray(init_cam, np.float32)))
        self.register_buffer('init_hand_pose',
                             torch.as_tensor(mean['pose'])[None])
        self.register_buffer('init_betas',
                             torch.as_tensor(mean['shape'])[None])
        self.register_buffer('init_cam', torch.as_tensor(mean['cam'])[None])
        build = lambda cfg: MODELS.build(cfg) if cfg else None  # noqa: E731
        self.loss_keypoints_3d = build(loss_keypoints_3d)
        self.loss_keypoints_2d = build(loss_keypoints_2d)
        self.loss_mano = build(loss_mano)
        self.loss_adversarial = build(loss_adversarial)

    # ------------------------------------------------------------ forward
    def forward(self, feats: Features) -> Dict[str, torch.Tensor]:
        """Last feature map (B, C, h, w) or tokens (B, N, C) -> dict:

        ``rotmats`` (B, 16, 3, 3) global orientation then MANO joints,
        ``betas`` (B, 10), ``cam`` (B, 3) ``(s, tx, ty)``, ``cam_t`` (B, 3)
        m in the virtual crop camera, ``joints_m`` (B, 21, 3) and
        ``vertices_m`` (B, 778, 3) in the MANO frame (no translation),
        ``keypoints_2d`` (B, 21, 2) normalised crop coordinates.
        """
        tokens = feats[-1] if isinstance(feats, (tuple, list)) else feats
        if tokens.dim() == 4:
            tokens = tokens.flatten(2).transpose(1, 2)
        batch = tokens.shape[0]
        query = self.query_embed(tokens.new_zeros(batch, 1, 1))
        decoded = self.decoder(query + self.query_pos, tokens)[:, 0]
        pose_6d = self.decpose(decoded) + self.init_hand_pose
        betas = self.decshape(decoded) + self.init_betas
        cam = self.deccam(decoded) + self.init_cam
        rotmats = rot6d_columns_to_matrix(
            pose_6d.reshape(batch, NUM_ROTATIONS, 6))
        hand = self.hand_model(hand_pose=rotmats[:, 1:], betas=betas,
                               global_orient=rotmats[:, :1])
        cam_t = weak_perspective_to_translation(cam, self.focal_length,
                                                self.image_size)
        camera_joints = hand.joints_m + cam_t[:, None]
        keypoints_2d = (self.focal_length / self.image_size) * (
            camera_joints[..., :2] / camera_joints[..., 2:])
        return dict(rotmats=rotmats, betas=betas, cam=cam, cam_t=cam_t,
                    joints_m=hand.joints_m, vertices_m=hand.vertices_m,
                    keypoints_2d=keypoints_2d)

    # --------------------------------------------------------------- loss
    def loss(self, feats: Features, data_samples: List[HandDataSample],
             train_cfg: Optional[dict] = None) -> Dict[str, torch.Tensor]:
        _check_right_hands(data_samples)
        out = self.forward(feats)
        device = out['betas'].device
        to_target = self._target_rotation(data_samples).to(device)
        losses: Dict[str, torch.Tensor] = {}
        if self.loss_keypoints_3d is not None:
            joints = stack_field(data_samples, 'gt_joints_3d', device)
            losses['loss_keypoints_3d'] = self.loss_keypoints_3d(
                out['joints_m'], joints @ to_target.transpose(-1, -2) / 1000,
                stack_field(data_samples, 'gt_joints_valid', device))
        if self.loss_keypoints_2d is not None:
            target = torch.stack([
                crop_px_to_normalized(
                    torch.as_tensor(sample.gt_keypoints_2d,
                                    dtype=torch.float32),
                    sample.metainfo['input_size'])
                for sample in data_samples
            ]).to(device)
            losses['loss_keypoints_2d'] = self.loss_keypoints_2d(
                out['keypoints_2d'], target,
                stack_field(data_samples, 'gt_keypoints_2d_valid', device))
        if self.loss_mano is not None:
            losses.update(self._mano_losses(out, data_samples, to_target))
        if self.loss_adversarial is not None:
            losses.update(self.loss_adversarial(out['rotmats'][:, 1:],
                                                out['betas']))
        return losses

    def _target_rotation(self, data_samples: List[HandDataSample]
                         ) -> torch.Tensor:
        """(B, 3, 3) float32 rotation from the camera frame to the frame of
        the targets: the identity, or ``R_c^T`` of each crop."""
        if self.pose_frame == 'camera':
            return torch.eye(3).expand(len(data_samples), 3, 3)
        return torch.as_tensor(np.stack([
            crop_frame_rotation(
                np.asarray(sample.metainfo['crop_K'], np.float64),
                sample.metainfo['input_size']).T
            for sample in data_samples
        ]), dtype=torch.float32)

    def _mano_losses(self, out: Dict[str, torch.Tensor],
                     data_samples: List[HandDataSample],
                     to_target: torch.Tensor) -> Dict[str, torch.Tensor]:
        """MANO parameter losses (global orientation turned by
        ``to_target`` (B, 3, 3)); samples without MANO fields count as
        invalid."""
        device = out['betas'].device
        batch = len(data_samples)
        pose = torch.zeros(batch, 3 * NUM_ROTATIONS, device=device)
        betas = torch.zeros(batch, NUM_BETAS, device=device)
        valid = torch.zeros(batch, device=device)
        for i, sample in enumerate(data_samples):
            if all(hasattr(sample, name) for name in
                   ('gt_mano_pose', 'gt_mano_betas', 'gt_mano_valid')):
                pose[i] = torch.as_tensor(sample.gt_mano_pose).reshape(-1)
                betas[i] = torch.as_tensor(sample.gt_mano_betas).reshape(-1)
                valid[i] = float(sample.gt_mano_valid)
        gt_rotmats = axis_angle_to_matrix(pose.reshape(batch, -1, 3))
        gt_rotmats = torch.cat(
            [(to_target @ gt_rotmats[:, 0])[:, None], gt_rotmats[:, 1:]], 1)
        return self.loss_mano(out['rotmats'], out['betas'], gt_rotmats,
                              betas, valid)

    # ------------------------------------------------------------ predict
    def predict(self, feats: Features, data_samples: List[HandDataSample],
                test_cfg: Optional[dict] = None) -> List[Dict]:
        """Per sample, in the input (possibly mirrored) camera frame:

        ``pred_joints_3d`` (21, 3) and ``pred_vertices`` (778, 3) mm,
        absolute in the camera of ``crop_K``; ``pred_keypoints_2d`` (21, 2)
        input-crop px, the model's own projection; ``pred_mano`` with
        ``global_orient`` (3,), ``hand_pose`` (45,) axis-angle (flat-hand
        convention), ``betas`` (10,) and ``transl`` (3,) m (camera frame:
        vertices = MANO(...) + transl); ``pred_cam`` (3,) ``(s, tx, ty)``
        and ``pred_cam_t`` (3,) m, the translation in the *virtual crop
        camera* of the network input as fed (mirrored for left hands: not
        brought back by the estimator). The orientation is the network's
        as is: in the crop frame for a head trained with
        ``pose_frame='crop'`` (HaMeR-align turns it into the camera).
        """
        _check_right_hands(data_samples)
        out = self.forward(feats)
        sizes = [tuple(sample.metainfo['input_size'])
                 for sample in data_samples]
        virtual_K = torch.as_tensor(
            np.stack([virtual_crop_intrinsics(size, self.focal_length,
                                              self.image_size)
                      for size in sizes]))
        crop_K = torch.as_tensor(np.stack([
            np.asarray(sample.metainfo['crop_K'], np.float64)
            for sample in data_samples
        ]))
        cam_t = out['cam_t'].detach().double().cpu()
        transl = virtual_to_camera_translation(cam_t, virtual_K, crop_K)
        joints = out['joints_m'].detach().double().cpu()
        vertices = out['vertices_m'].detach().double().cpu()
        keypoints_2d = project_points(joints + cam_t[:, None], virtual_K)
        axis_angle = matrix_to_axis_angle(out['rotmats'].detach().cpu())
        preds = []
        for i in range(len(data_samples)):
            preds.append(dict(
                pred_joints_3d=((joints[i] + transl[i]) * 1000).float(),
                pred_joints_absolute=True,
                pred_vertices=((vertices[i] + transl[i]) * 1000).float(),
                pred_keypoints_2d=keypoints_2d[i].float(),
                pred_mano=dict(global_orient=axis_angle[i, 0],
                               hand_pose=axis_angle[i, 1:].reshape(-1),
                               betas=out['betas'][i].detach().cpu(),
                               transl=transl[i].float()),
                pred_cam=out['cam'][i].detach().cpu(),
                pred_cam_t=cam_t[i].float()))
        return preds


def _check_right_hands(data_samples: List[HandDataSample]) -> None:
    for sample in data_samples:
        if sample.metainfo.get('hand_side', 'right') != 'right':
            raise ConfigError(
                'MANOTransformerHead got a left hand (img_path='
                f"{sample.metainfo.get('img_path')!r}); it models right "
                f'hands only: {MIRROR_HINT} in the pipeline')
