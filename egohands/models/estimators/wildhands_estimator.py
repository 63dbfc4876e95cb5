"""``WildHandsEstimator``: both hands of an image from the frame and crops.

WildHands ("3D Hand Pose Estimation in Everyday Egocentric Images", ECCV
2024) and its baselines are configs of this one model, on the two-hand
samples of ``PackTwoHandInputs`` (inputs ``frame``, ``right``, ``left``):

* **WildHands**: a ResNet on the full frame and one on the hand crops
  (shared by both hands); the frame's feature map is added to each hand's,
  a crop encoding (KPE) of the crop box under the frame's true intrinsics
  is appended (``'latent'``) or fed with the crop (``'input'``),
  ``feature_conv`` turns the map into a vector and an ``HMRMANOHead`` per
  side regresses MANO and the weak-perspective camera of the frame.
* **HandNet**: the same without the crop encoding (``crop_encoding=None``).
* **ArcticNet-SF**: no crops (``hand_backbone=None``): both heads read the
  average-pooled frame feature; no crop encoding, no ``feature_conv``.

Losses (mean squared errors of ``HMRMANOHead.losses`` per side, weighted by
``loss_weights``): 3D joints, 2D keypoints, MANO pose and shape, camera, the
left-minus-right camera (``relative_translation``, the MRRPE-like term),
grasp cross-entropy (labels -1 ignored) and the hand-mask loss slot. A
missing hand (``hand_present`` False) has every validity 0 and adds nothing.
Predictions are set on the present hands' per-hand samples, in the original
camera frame (mm) and full-image px.
"""
import inspect
from typing import Dict, List, Optional

import torch
from torch import nn

from egohands.geometry.camera import scale_intrinsics
from egohands.geometry.rotation import matrix_to_axis_angle
from egohands.models.estimators.base_estimator import BaseHandEstimator
from egohands.models.estimators.original_frame import to_original_frame
from egohands.models.heads.hmr_mano_head import (NUM_BETAS, NUM_ROTATIONS,
                                                 masked_mse)
from egohands.registry import MODELS
from egohands.structures import HandDataSample
from egohands.utils.errors import ConfigError

SIDES = ('right', 'left')
#: the reference's loss weights (loss_arctic_sf.py)
DEFAULT_LOSS_WEIGHTS = dict(keypoints_3d=5.0, keypoints_2d=5.0, pose=10.0,
                            betas=0.001, cam=1.0, relative_translation=1.0,
                            grasp=0.1, mask=10.0)


def with_input_channels(backbone: dict, channels: int) -> dict:
    """``backbone`` config taking ``channels`` input channels: its
    ``in_channels`` argument, or timm's ``in_chans`` for ``TimmBackbone``
    (whose extra arguments go to ``timm.create_model``)."""
    backbone_type = backbone['type']
    backbone_cls = MODELS.get(backbone_type) if isinstance(
        backbone_type, str) else backbone_type
    params = inspect.signature(backbone_cls).parameters
    name = 'in_channels' if 'in_channels' in params else 'in_chans'
    return dict(backbone, **{name: channels})


def build_feature_conv(in_channels: int, out_channels: int, channels=(
        1024, 512, 256), feature_size: int = 7) -> nn.Sequential:
    """WildHands' ``feature_conv``: 1x1 conv, two valid 3x3 convs (no
    biases, ReLUs), flatten and a linear layer to ``out_channels``: a
    (B, in_channels, s, s) map -> (B, out_channels), s = ``feature_size``."""
    side = feature_size - 4
    if side < 1:
        raise ConfigError(f'feature_conv: feature_size must be at least 5 '
                          f'(two valid 3x3 convolutions), got {feature_size}')
    c0, c1, c2 = channels
    return nn.Sequential(
        nn.Conv2d(in_channels, c0, 1, bias=False), nn.ReLU(inplace=True),
        nn.Conv2d(c0, c1, 3, bias=False), nn.ReLU(inplace=True),
        nn.Conv2d(c1, c2, 3, bias=False), nn.ReLU(inplace=True),
        nn.Flatten(), nn.Linear(c2 * side * side, out_channels),
        nn.ReLU(inplace=True))


def build_grasp_classifier(num_classes: int) -> nn.Sequential:
    """MLP from a hand's betas and 16 rotation matrices (154 values) to
    ``num_classes`` grasp logits (WildHands' ``grasp_classifier``)."""
    return nn.Sequential(
        nn.Linear(NUM_BETAS + 9 * NUM_ROTATIONS, 1024), nn.ReLU(inplace=True),
        nn.Linear(1024, 512), nn.ReLU(inplace=True), nn.Linear(512, 128),
        nn.ReLU(inplace=True), nn.Linear(128, num_classes))


def _field(samples: List[HandDataSample], side: str, name: str,
           device) -> torch.Tensor:
    return torch.stack([torch.as_tensor(getattr(s.get(side), name),
                                        dtype=torch.float32)
                        for s in samples]).to(device)


def _meta(samples: List[HandDataSample], side: Optional[str], name: str,
          device) -> torch.Tensor:
    return torch.stack([torch.as_tensor(
        (s.get(side) if side else s).metainfo[name], dtype=torch.float32)
        for s in samples]).to(device)


@MODELS.register_module()
class WildHandsEstimator(BaseHandEstimator):
    """WildHands, HandNet and ArcticNet-SF (module docstring).

    Args:
        backbone: config of the full-frame backbone (last output used).
        head: ``HMRMANOHead`` keyword arguments shared by both sides
            (``in_channels`` and ``hand_model`` are set here).
        hand_model: ``MANOHand`` config without ``side`` (e.g.
            ``dict(model_path=..., flat_hand_mean=False)``).
        hand_backbone: config of the crop backbone; None = ArcticNet-SF.
        crop_encoding: config of a ``CropEncoding`` (KPE, CamConv, ...)
            fed the crop box and the frame intrinsics; None = HandNet.
        use_global_feature: add the frame's feature map to each hand's.
        feature_conv: ``dict(channels=(1024, 512, 256), feature_size=7)``,
            the side of the hand feature map; crops only.
        grasp_classes: number of grasp classes (9), 0 = no grasp head.
        mask_loss: config (or module) of a mask loss called as
            ``SoftMaskLoss`` is: ``loss(vertices (B, V, 3) m camera frame,
            faces (F, 3), K (B, 3, 3) of the mask's pixels, gt_mask (B, s,
            s) frame-aligned, valid (B,))``; None = off.
        loss_weights: overrides of :data:`DEFAULT_LOSS_WEIGHTS`.
        data_preprocessor: usually ``ImageDictDataPreprocessor``.
        init_cfg: mmengine init config.
    """

    def __init__(self,
                 backbone: dict,
                 head: dict,
                 hand_model: dict,
                 hand_backbone: Optional[dict] = None,
                 crop_encoding: Optional[dict] = None,
                 use_global_feature: bool = True,
                 feature_conv: Optional[dict] = None,
                 grasp_classes: int = 9,
                 mask_loss: Optional[dict] = None,
                 loss_weights: Optional[dict] = None,
                 data_preprocessor: Optional[dict] = None,
                 train_cfg: Optional[dict] = None,
                 test_cfg: Optional[dict] = None,
                 init_cfg=None) -> None:
        super().__init__(data_preprocessor, train_cfg, test_cfg, init_cfg)
        self.backbone = MODELS.build(backbone)
        width = int(self.backbone.out_channels[-1])
        self.use_global_feature = bool(use_global_feature)
        self.crop_encoding = None
        self.hand_backbone = None
        self.feature_conv = None
        if hand_backbone is None:
            if crop_encoding is not None:
                raise ConfigError('WildHandsEstimator: crop_encoding needs '
                                  'hand crops (set hand_backbone)')
        else:
            hand_backbone = dict(hand_backbone)
            if crop_encoding is not None:
                self.crop_encoding = MODELS.build(crop_encoding)
                if self.crop_encoding.level == 'input':
                    hand_backbone = with_input_channels(
                        hand_backbone, self.crop_encoding.out_channels(3))
            self.hand_backbone = MODELS.build(hand_backbone)
            if int(self.hand_backbone.out_channels[-1]) != width:
                raise ConfigError(
                    'WildHandsEstimator: backbone and hand_backbone must give '
                    f'maps of one width, got {width} and '
                    f'{self.hand_backbone.out_channels[-1]}')
            conv_in = width
            if self.crop_encoding is not None and \
                    self.crop_encoding.level == 'latent':
                conv_in = self.crop_encoding.out_channels(width)
            self.feature_conv = build_feature_conv(conv_in, width,
                                                   **(feature_conv or {}))
        self.heads = nn.ModuleDict({
            side: MODELS.build(dict(
                dict(type='HMRMANOHead'), **head, in_channels=width,
                hand_model=dict(hand_model, side=side)))
            for side in SIDES
        })
        self.grasp_classifier = (build_grasp_classifier(grasp_classes)
                                 if grasp_classes else None)
        self.mask_loss = (MODELS.build(mask_loss) if isinstance(
            mask_loss, dict) else mask_loss)
        self.loss_weights = dict(DEFAULT_LOSS_WEIGHTS, **(loss_weights or {}))
        unknown = set(self.loss_weights) - set(DEFAULT_LOSS_WEIGHTS)
        if unknown:
            raise ConfigError(f'WildHandsEstimator: unknown loss_weights '
                              f'{sorted(unknown)}; known: '
                              f'{sorted(DEFAULT_LOSS_WEIGHTS)}')

    # ------------------------------------------------------------ features
    def hand_features(self, inputs: Dict[str, torch.Tensor],
                      geometry: Dict[str, torch.Tensor]
                      ) -> Dict[str, torch.Tensor]:
        """Per side, the head's input: (B, C) vector or (B, C, h, w) map."""
        frame_map = self.backbone(inputs['frame'])[-1]
        if self.hand_backbone is None:
            return {side: frame_map for side in SIDES}
        crops, boxes = [], []
        for side in SIDES:
            crop, box = inputs[side], geometry[f'{side}_box']
            if self.crop_encoding is not None and \
                    self.crop_encoding.level == 'input':
                crop = self.crop_encoding(crop, box, geometry['K'],
                                          geometry['image_size'])
            crops.append(crop)
            boxes.append(box)
        # both hands through the shared crop backbone at once
        hand_maps = self.hand_backbone(torch.cat(crops))[-1].chunk(2)
        feats = {}
        for side, hand_map, box in zip(SIDES, hand_maps, boxes):
            if self.use_global_feature:
                if hand_map.shape != frame_map.shape:
                    raise ConfigError(
                        'WildHandsEstimator: frame and crop feature maps '
                        f'differ ({tuple(frame_map.shape[1:])} vs '
                        f'{tuple(hand_map.shape[1:])}); use equal '
                        'frame_size and crop_size in TwoHandCrops')
                hand_map = hand_map + frame_map
            if self.crop_encoding is not None and \
                    self.crop_encoding.level == 'latent':
                hand_map = self.crop_encoding(hand_map, box, geometry['K'],
                                              geometry['image_size'])
            feats[side] = self.feature_conv(hand_map)
        return feats

    def geometry(self, samples: List[HandDataSample],
                 device) -> Dict[str, torch.Tensor]:
        """Frame intrinsics ``K`` (B, 3, 3), ``image_size`` (B, 2) frame
        (w, h) and per side the crop box (B, 4) frame px."""
        out = dict(K=_meta(samples, None, 'frame_K', device),
                   image_size=_meta(samples, None, 'input_size', device))
        for side in SIDES:
            out[f'{side}_box'] = _meta(samples, side, 'crop_box', device)
        return out

    def _forward(self, inputs: Dict[str, torch.Tensor],
                 samples: List[HandDataSample]) -> Dict[str, Dict]:
        device = inputs['frame'].device
        geometry = self.geometry(samples, device)
        feats = self.hand_features(inputs, geometry)
        outs = {}
        for side in SIDES:
            correct = None
            if self.crop_encoding is not None:
                box = geometry[f'{side}_box']

                def correct(rotmat, box=box):
                    return self.crop_encoding.correct_global_orient(
                        rotmat, box, geometry['K'], geometry['image_size'])
            out = self.heads[side](feats[side], geometry['K'],
                                   orient_correction=correct)
            if self.grasp_classifier is not None:
                out['grasp_logits'] = self.grasp_classifier(torch.cat(
                    [out['betas'], out['rotmats'].flatten(1)], 1))
            outs[side] = out
        outs['K'] = geometry['K']
        return outs

    # ---------------------------------------------------------------- loss
    def targets(self, samples: List[HandDataSample], side: str,
                K: torch.Tensor) -> Dict[str, torch.Tensor]:
        """Ground truth of one side as the head's ``losses`` reads it, every
        validity multiplied by ``hand_present``."""
        device = K.device
        head = self.heads[side]
        present = _meta(samples, side, 'hand_present', device)
        field = lambda name: _field(samples, side, name, device)  # noqa
        mano_valid = field('gt_mano_valid') * present
        return dict(
            present=present,
            joints_3d=field('gt_joints_3d') / 1000.0,
            joints_valid=field('gt_joints_valid') * present[:, None],
            keypoints_2d=field('gt_keypoints_2d'),
            keypoints_2d_valid=field('gt_keypoints_2d_valid') *
            present[:, None],
            rotmats=head.rotmat_target(field('gt_mano_pose')),
            betas=field('gt_mano_betas'),
            cam=head.weak_perspective_target(field('gt_mano_transl'), K),
            mano_valid=mano_valid,
            grasp=torch.where(present > 0, torch.stack([
                torch.as_tensor(s.get(side).gt_grasp) for s in samples
            ]).long().to(device), -1))

    def loss(self, inputs: Dict[str, torch.Tensor],
             data_samples: List[HandDataSample]) -> Dict[str, torch.Tensor]:
        outs = self._forward(inputs, data_samples)
        weights = self.loss_weights
        losses: Dict[str, torch.Tensor] = {}
        targets = {side: self.targets(data_samples, side, outs['K'])
                   for side in SIDES}
        for side in SIDES:
            out, target = outs[side], targets[side]
            for name, value in self.heads[side].losses(out, target).items():
                losses[f'loss_{name}_{side}'] = weights[name] * value
            if self.grasp_classifier is not None:
                losses[f'loss_grasp_{side}'] = weights['grasp'] * \
                    _cross_entropy(out['grasp_logits'], target['grasp'])
            if self.mask_loss is not None:
                losses[f'loss_mask_{side}'] = weights['mask'] * \
                    self._mask_loss(out, side, outs['K'], data_samples,
                                    target['present'])
        losses['loss_relative_translation'] = \
            weights['relative_translation'] * relative_camera_loss(
                outs['right']['cam'], outs['left']['cam'],
                targets['right']['cam'], targets['left']['cam'],
                targets['right']['mano_valid'] *
                targets['left']['mano_valid'])
        return losses

    def _mask_loss(self, out: Dict, side: str, K: torch.Tensor,
                   samples: List[HandDataSample],
                   present: torch.Tensor) -> torch.Tensor:
        device = K.device
        target = _field(samples, side, 'gt_mask', device)
        frame_width = float(samples[0].metainfo['input_size'][0])
        mask_K = scale_intrinsics(K, target.shape[-1] / frame_width)
        return self.mask_loss(
            out['vertices_m'] + out['cam_t'][:, None],
            self.heads[side].hand_model.faces_tensor, mask_K, target,
            _field(samples, side, 'gt_mask_valid', device) * present)

    # ------------------------------------------------------------- predict
    def predict(self, inputs: Dict[str, torch.Tensor],
                data_samples: List[HandDataSample]) -> List[HandDataSample]:
        """Sets ``pred_*`` fields (``HandDataSample`` docstring) on the
        per-hand samples of the present hands, original frame."""
        outs = self._forward(inputs, data_samples)
        for side in SIDES:
            out = {k: v.detach().cpu() for k, v in outs[side].items()
                   if torch.is_tensor(v)}
            hand_model = self.heads[side].hand_model
            flat = hand_model.hand_pose_to_flat(matrix_to_axis_angle(
                out['rotmats'][:, 1:]).flatten(1).to(
                    hand_model.hands_mean.device)).cpu()
            for i, sample in enumerate(data_samples):
                hand = sample.get(side)
                if not hand.metainfo.get('hand_present', True):
                    continue
                transl = out['cam_t'][i]
                pred = dict(
                    pred_joints_3d=out['joints_cam_m'][i] * 1000,
                    pred_joints_absolute=True,
                    pred_vertices=(out['vertices_m'][i] + transl) * 1000,
                    pred_keypoints_2d=out['keypoints_2d'][i],
                    pred_mano=dict(
                        global_orient=matrix_to_axis_angle(
                            out['rotmats'][i, 0]),
                        hand_pose=flat[i], betas=out['betas'][i],
                        transl=transl),
                    pred_cam=out['cam'][i])
                if 'grasp_logits' in out:
                    pred['pred_grasp_logits'] = out['grasp_logits'][i]
                hand.set_data(to_original_frame(pred, hand.metainfo))
        return data_samples


def relative_camera_loss(cam_right: torch.Tensor, cam_left: torch.Tensor,
                         gt_right: torch.Tensor, gt_left: torch.Tensor,
                         valid: torch.Tensor) -> torch.Tensor:
    """Mean squared error of the left-minus-right weak-perspective camera
    (B, 3) over the samples with both hands' ground truth (``valid`` (B,)):
    the reference's ``transl/l`` term, which ties the hands' relative
    position as MRRPE measures it."""
    return masked_mse(((cam_left - cam_right) - (gt_left - gt_right))**2,
                      valid)


def _cross_entropy(logits: torch.Tensor, labels: torch.Tensor
                   ) -> torch.Tensor:
    """Mean cross-entropy over the labels >= 0; zero (with a gradient
    path) when there is none."""
    if not (labels >= 0).any():
        return logits.sum() * 0
    return nn.functional.cross_entropy(logits, labels, ignore_index=-1)
