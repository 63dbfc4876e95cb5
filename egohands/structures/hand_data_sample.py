"""``HandDataSample``: everything known about one hand instance.

egohands is top-down: one sample is one hand crop. A sample travels from the
dataset (ground truth, camera) through the model (predictions) to the metrics.
Field names are the contract between those stages; every stage reads and
writes only the fields below. K = number of joints (21, canonical order, see
``egohands.datasets.metainfo``).

Metainfo (set once, numpy / python values):

==================  =========================================================
``img_path``        str, path of the full image
``img_id``          int, image id of the annotation file
``ann_id``          int, annotation (hand) id
``hand_side``       ``'left'`` or ``'right'`` (after any flip)
``orig_hand_side``  hand side in the original image
``K``               (3, 3) float32, intrinsics of the full image, px
``crop_K``          (3, 3) float32, intrinsics of the network input (crop,
                    after flips): ``crop_K @ X_cam`` projects to input pixels
``crop_from_img``   (3, 3) float32, homogeneous 2D affine, full-image px ->
                    input px (includes flips)
``input_size``      (w, h) of the network input, px
``bbox``            (4,) float32, tight hand box x0, y0, x1, y1, full-image px
``flip``            ``'none'`` | ``'horizontal'`` | ``'vertical'``: the flip
                    applied to image *and* camera frame (the functions of
                    ``egohands.geometry.flip`` are their own inverse)
``dataset_name``    str
``sequence``, ``frame``, ``view``, ``T_world_from_cam`` (4, 4), optional
==================  =========================================================

Ground truth (torch tensors after packing; camera frame = the camera frame of
the *input*, i.e. after flips; mm unless said otherwise):

========================  ===================================================
``gt_joints_3d``          (K, 3) float32, mm, camera frame
``gt_joints_valid``       (K,) float32 in {0, 1}
``gt_keypoints_2d``       (K, 2) float32, input-crop px
``gt_keypoints_2d_valid`` (K,) float32 in {0, 1}
``gt_mano_pose``          (48,) float32 axis-angle, global orient + 45,
                          flat-hand-mean convention (optional)
``gt_mano_betas``         (10,) float32 (optional)
``gt_mano_transl``        (3,) float32, metres (optional)
``gt_mano_valid``         () float32 in {0, 1}
``gt_grasp``              () int64, grasp class or -1
``gt_mask``               (h, w) uint8 hand mask on the input crop (optional)
========================  ===================================================

Predictions (set by the estimator, always in the camera frame of the
*original, unflipped* image, mm):

=========================  ==================================================
``pred_joints_3d``         (K, 3) float32, mm, camera frame
``pred_joints_absolute``   bool: True if ``pred_joints_3d`` is an absolute
                           camera-frame position, False if only wrist-relative
                           (then the wrist is at the origin)
``pred_keypoints_2d``      (K, 2) float32, full-image px (optional)
``pred_joints_3d_std``     (K, 3) float32, mm, predicted uncertainty (optional)
``pred_vertices``          (778, 3) float32, mm, camera frame (optional)
``pred_mano``              dict of MANO parameters (optional)
``pred_grasp_logits``      (C,) float32 (optional)
=========================  ==================================================

Two-hand samples (WildHands, ArcticNet-SF; ``PackTwoHandInputs``): one
sample per *image*, its ``inputs`` a dict of (3, h, w) uint8 images
``frame`` (the whole image letterboxed into a square frame), ``right`` and
``left`` (the hand crops). Its metainfo: ``img_path``, ``img_id``,
``img_shape``, ``K``, ``dataset_name``, and

==================  =========================================================
``frame_K``         (3, 3) float32, intrinsics of the frame, px
``frame_from_img``  (3, 3) float32, affine full-image px -> frame px
``input_size``      (w, h) of the frame, px
==================  =========================================================

Its data fields ``right`` and ``left`` are per-hand samples as above whose
"input" for 2D is the frame (``crop_K = frame_K``, ``crop_from_img =
frame_from_img``, ``gt_keypoints_2d`` in frame px, ``gt_mask`` the hand's
mask on the frame at the mask size), plus the metainfo
``hand_present`` (bool; False: an empty hand, every validity 0, crop = the
whole frame, no predictions), ``crop_box`` (4,) float32 (the frame positions
of the hand crop's corner pixel centres, clipped: the box of the crop
encodings), ``hand_crop_K`` and ``hand_crop_from_img`` (3, 3) (the camera
and affine of the hand crop).
"""
from mmengine.structures import BaseDataElement


class HandDataSample(BaseDataElement):
    """Data sample of one hand instance; the fields are documented above."""
