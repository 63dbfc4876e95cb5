"""Every registered egohands component is built at a small size and run.

* each backbone (and neck) runs forward and backward on a 64 x 64 batch and
  its ``out_channels`` are the widths of what it returns;
* each head runs inside a small ``TopdownHandEstimator`` on a packed toy
  batch: loss and backward, then predict; together these estimators build
  every registered loss, codec, hand model, discriminator, preprocessor and
  the estimator itself; the flip-TTA wrapper runs on one of them;
* each transform runs inside the crop pipeline on a toy sample;
* each metric evaluates a batch of predictions of a small estimator on a
  tiny EgoExo4D release.

A component registered without an entry in the tables below makes
``test_every_registered_component_has_a_small_case`` fail with the table to
add it to, so new components are covered without new test code.
"""
import copy
import json
import math

import numpy as np
import pytest
import torch
from mmengine.dataset import pseudo_collate
from mmengine.registry import DefaultScope

from egohands.codecs import BaseJointCodec, stats_from_dataset
from egohands.registry import DATASETS, METRICS, MODELS, TRANSFORMS
from egohands.testing import make_toy_hand_dataset
from egohands.testing.toy_configs import toy_dataset_cfg
from test_multiview_model.rig_files import write_rig
from test_multiview_model.small_model import \
    small_estimator as small_multiview_estimator

SIZE = 64  # side of every crop, px
THIS_FILE = 'tests/test_every_component.py'

#: backbone name -> small kwargs (input: SIZE x SIZE)
SMALL_BACKBONES = {
    'SimpleCNN': dict(channels=(8, 16)),
    'ViTBackbone': dict(arch=dict(embed_dim=32, depth=1, num_heads=2),
                        img_size=(SIZE, SIZE)),
    'ViTPoseBackbone': dict(arch=dict(embed_dim=32, depth=1, num_heads=2),
                            img_size=(SIZE, SIZE * 3 // 4),
                            center_crop_input=True),
    'POTTERBackbone': dict(depths=(1, 1, 1, 1), dims=(32, 32, 64, 64),
                           mlp_ratios=(2, 2, 2, 2), hr_depths=(1, 1, 1),
                           hr_mlp_ratios=(2, 2, 2)),
    # outputs of strides 4, 8, 16 with 8, 16, 32 channels
    'TimmBackbone': dict(model_name='resnet18', channels=(8, 16, 32, 64),
                         out_indices=(1, 2, 3)),
}
#: neck name -> (small kwargs, backbone name whose features it reads)
SMALL_NECKS = {}

CODEC = dict(type='RootRelativeJointCodec')
#: heads of right hands only see left hands mirrored
RIGHT_HANDS_ONLY = {'MANOTransformerHead'}
MIRROR_LEFT = dict(type='RandomFlip', direction='horizontal', prob=1.0,
                   hand_sides=('left', ))
#: case -> (backbone name, head config without in_channels); ``{hand_dir}``
#: and ``{mocap_file}`` are filled in by the fixtures
HEAD_CASES = {
    'RegressionHead': ('SimpleCNN', dict(
        type='RegressionHead', hidden_dims=(16, ), codec=CODEC)),
    'JointQueryTransformerHead': ('ViTBackbone', dict(
        type='JointQueryTransformerHead', embed_dim=16, depth=1, codec=CODEC,
        side_conditioned=True)),
    'JointQueryTransformerHead-RLE': ('ViTBackbone', dict(
        type='JointQueryTransformerHead', embed_dim=16, depth=1, codec=CODEC,
        with_sigma=True, loss=dict(type='RLELoss'))),
    'Heatmap3DHandHead': ('POTTERBackbone', dict(
        type='Heatmap3DHandHead', hidden_channels=8, depth_dim=8,
        heatmap_size=(SIZE // 4, SIZE // 4), regressor_channels=16,
        codec=CODEC)),
    'IntegralPoseHead': ('TimmBackbone', dict(
        type='IntegralPoseHead', deconv_channels=(8, ), heatmap_weight=0.5,
        codec=dict(type='Pose25DCodec', depth_scale_mm=100.0))),
    'HeatmapLiftingHead': ('TimmBackbone', dict(
        type='HeatmapLiftingHead', deconv_channels=(8, 8),
        skip_channels=(16, 8), lifter_channels=16, codec=CODEC,
        keypoint_codec=dict(type='Pose25DCodec', depth_scale_mm=100.0))),
    'MANOTransformerHead': ('ViTPoseBackbone', dict(
        type='MANOTransformerHead',
        hand_model=dict(type='MANOHand', model_path='{hand_dir}'),
        embed_dim=16, depth=1, num_heads=2, head_dim=8, mlp_dim=16,
        focal_length=1250.0, image_size=SIZE,
        loss_adversarial=dict(type='MANOAdversarialLoss',
                              mocap_file='{mocap_file}'))),
}

#: transform name -> (small kwargs, where it goes: 'box' replaces
#: GetSquareBBox, 'crop' replaces TopdownAffine, 'pack' replaces
#: PackHandInputs, 'load' replaces LoadImage, 'before_crop' / 'after_crop'
#: are inserted)
SMALL_TRANSFORMS = {
    'LoadImage': (dict(), 'load'),
    'GetSquareBBox': (dict(padding=1.5), 'box'),
    'TopdownAffine': (dict(input_size=(SIZE, SIZE)), 'crop'),
    'PackHandInputs': (dict(), 'pack'),
    'RandomBBoxTransform': (dict(), 'before_crop'),
    'RandomFlip': (dict(direction='horizontal', prob=1.0), 'after_crop'),
    'ColorScale': (dict(), 'after_crop'),
    'HSVJitter': (dict(prob=1.0), 'after_crop'),
    'RandomBlur': (dict(prob=1.0), 'after_crop'),
    'RandomMedianBlur': (dict(prob=1.0), 'after_crop'),
    'CoarseDropout': (dict(prob=1.0), 'after_crop'),
}

#: metric name -> (small kwargs, split of the tiny EgoExo4D release whose
#: predictions it evaluates); ``{data_root}`` / ``{out_dir}`` are filled in
#: with the release and a temporary folder
SMALL_METRICS = {
    'HandKeypoint3DMetric': (dict(), 'val'),
    'EgoExo4DMetric': (dict(), 'val'),
    # the release's public test file boxes the val hands
    'EgoExo4DSubmissionWriter': (dict(
        data_root='{data_root}',
        test_file='annotation/manual/ego_pose_gt_anno_test_public.json',
        out_file='{out_dir}/submission.json'), 'val'),
    # train has one hand over five frames, 10 apart
    'AccelerationErrorMetric': (dict(frame_step=10), 'train'),
    'WildHandsMetric': (dict(), 'val'),
    'HandTrackingPoseMetric': (dict(), 'val'),
    # 'toy:<HEAD_CASES row>': that head's predictions on the toy set (MANO)
    'MANOOrientationMetric': (dict(), 'toy:MANOTransformerHead'),
}

#: components of the UmeTrack / HOT3D tars -> small kwargs; they run in
#: test_hand_tracking_component on the tiny tars of egohands.testing.
#: hand_tracking, with MANO predictions made up from the samples
HAND_TRACKING_COMPONENTS = {
    'LoadTarImage': dict(),
    'HandTrackingShapeMetric': dict(hand_model='{hand_dir}'),
    'HandTrackingSubmissionWriter': dict(
        data_root='{root}', split='train', dataset='umetrack',
        out_file='{out_dir}/pose_submission.tar.gz'),
}

#: multi-view transforms, in pipeline order; they run in
#: test_multiview_estimator_and_transforms on a hand-built two-camera rig
#: (tests/test_multiview_model/rig_files.py), with the small multi-view
#: estimator that builds the multi-view MODELS
MULTIVIEW_TRANSFORMS = {
    'LoadMultiViewImages': dict(),
    'MultiViewPerspectiveCrop': dict(crop_size=32, rotation_jitter_deg=5.0,
                                     fov_jitter=0.1),
    'MultiViewExtrinsicNoise': dict(translation_m=0.01, rotation_deg=1.0),
    'PackMultiViewInputs': dict(),
}

#: families of MODELS, by the package that registers them; the ones built
#: inside the estimators of HEAD_CASES are checked by class name
MODEL_FAMILIES = {
    # the two-hand model's parts, before the packages that hold them
    'egohands.models.heads.hmr_mano_head': 'two_hand',
    'egohands.models.estimators.wildhands_estimator': 'two_hand',
    'egohands.models.data_preprocessors.image_dict_data_preprocessor':
    'two_hand',
    'egohands.models.backbones': 'backbone',
    'egohands.models.necks': 'neck',
    'egohands.models.heads': 'head',
    'egohands.models.losses.soft_mask_loss': 'mask_loss',
    'egohands.models.losses': 'built',
    'egohands.models.discriminators': 'built',
    'egohands.models.estimators': 'built',
    'egohands.models.data_preprocessors': 'built',
    'egohands.models.tta': 'tta',
    'egohands.codecs': 'built',
    'egohands.hand_models': 'built',
    'egohands.models.detectors': 'detector',
    'egohands.models.multiview': 'built',
    'egohands.models.encodings': 'encoding',
}
TTA_MODELS = ['HandFlipTTAModel']

#: whole-image hand detectors -> small kwargs; each runs in
#: test_detector_loss_backward_predict_and_metric with the whole-image
#: transforms and the box metric below (not crops, not 3D joints)
SMALL_DETECTORS = {
    'HandCenterDetector': dict(
        backbone=dict(type='SimpleCNN', channels=(8, 16, 16)),
        in_channels=16, stride=8, input_size=SIZE, feat_channels=8,
        score_thr=0.0),
}
DETECTION_TRANSFORMS = ['ResizeImage', 'PackDetectionInputs']
DETECTION_METRICS = ['HandBoxMetric']

#: two-hand estimators (the frame and a crop per hand of one image) -> small
#: kwargs; each trains and predicts on toy two-hand samples made by
#: TWO_HAND_TRANSFORMS, and TWO_HAND_METRICS evaluate its predictions
SMALL_TWO_HAND_ESTIMATORS = {
    'WildHandsEstimator': dict(
        data_preprocessor=dict(type='ImageDictDataPreprocessor',
                               mean=[127.5] * 3, std=[64.0] * 3),
        backbone=dict(type='SimpleCNN', channels=(8, 16, 16)),
        hand_backbone=dict(type='SimpleCNN', channels=(8, 16, 16)),
        crop_encoding=dict(type='KeypointPositionalEncoding'),
        feature_conv=dict(channels=(8, 8, 8), feature_size=SIZE // 8),
        head=dict(type='HMRMANOHead', hidden_channels=16,
                  cam_init_channels=8),
        mask_loss=dict(type='SoftMaskLoss'),
        hand_model=dict(model_path='{hand_dir}')),
}
TWO_HAND_TRANSFORMS = ['TwoHandCrops', 'PackTwoHandInputs']
TWO_HAND_METRICS = ['TwoHandKeypoint3DMetric']


def config_types(cfg):
    """Every ``type`` string of a nested config."""
    if not isinstance(cfg, dict):
        return set()
    found = {cfg['type']} if isinstance(cfg.get('type'), str) else set()
    return found.union(*(config_types(value) for value in cfg.values()))

#: crop encodings -> small kwargs; each runs at its level on a packed toy
#: batch, with the crop geometry of the samples' metainfo
SMALL_ENCODINGS = {
    'KeypointPositionalEncoding': dict(variant='sparse', level='latent'),
    'CamConvEncoding': dict(level='latent', centred_scale=100.0),
    'PerspectiveCropLayer': dict(level='input'),
    'PerspectiveCorrection': dict(level='latent'),
}

#: mask losses -> small kwargs; each compares a square mesh in front of the
#: crop camera with the toy batch's hand masks
SMALL_MASK_LOSSES = {
    'SoftMaskLoss': dict(render_size=SIZE // 2, sigma=0.5),
}


@pytest.fixture(autouse=True)
def egohands_scope():
    """Nested transforms (TestTimeAug) are built in the default scope."""
    with DefaultScope.overwrite_default_scope('egohands'):
        yield


@pytest.fixture(scope='module')
def toy(tmp_path_factory):
    return make_toy_hand_dataset(tmp_path_factory.mktemp('every_component'),
                                 num_images=2, size=SIZE, seed=1,
                                 splits=('train', ), with_mano=True)


@pytest.fixture(scope='module')
def assets(tmp_path_factory):
    """The synthetic MANO-format hand and a small mocap file of poses."""
    from egohands.synth.hand import write_synthetic_model
    folder = tmp_path_factory.mktemp('every_component_assets')
    write_synthetic_model(str(folder / 'hand'))
    rng = np.random.default_rng(0)
    np.savez(folder / 'mocap.npz', hand_pose=rng.normal(0, 0.3, (8, 48)),
             betas=rng.normal(0, 1, (8, 10)))
    return dict(hand_dir=str(folder / 'hand'),
                mocap_file=str(folder / 'mocap.npz'))


def crop_pipeline(**replace):
    """Load, square box, SIZE x SIZE crop, pack; ``replace`` swaps stages
    or inserts transforms (keys of SMALL_TRANSFORMS' positions)."""
    stages = dict(load=[dict(type='LoadImage')],
                  box=[dict(type='GetSquareBBox', padding=1.25)],
                  before_crop=[],
                  crop=[dict(type='TopdownAffine', input_size=(SIZE, SIZE))],
                  after_crop=[],
                  pack=[dict(type='PackHandInputs')])
    stages.update(replace)
    return [t for stage in stages.values() for t in stage]


def toy_batch(toy, pipeline=None):
    dataset = DATASETS.build(toy_dataset_cfg(
        toy, 'train', pipeline=pipeline or crop_pipeline()))
    return pseudo_collate([dataset[i] for i in range(2)])


def filled(cfg, values):
    """``cfg`` with every '{name}' string formatted from ``values``."""
    if isinstance(cfg, dict):
        return {k: filled(v, values) for k, v in cfg.items()}
    if isinstance(cfg, str) and cfg.startswith('{'):
        return cfg.format(**values)
    return cfg


def small_estimator(case, assets, toy=None):
    """The estimator of a HEAD_CASES row; with ``toy``, its codecs get the
    statistics of the toy training split (as TargetStatsHook gives)."""
    backbone, head = HEAD_CASES[case]
    torch.manual_seed(0)
    model = MODELS.build(dict(
        type='TopdownHandEstimator',
        data_preprocessor=dict(type='HandDataPreprocessor',
                               mean=[127.5] * 3, std=[64.0] * 3),
        backbone=dict(SMALL_BACKBONES[backbone], type=backbone),
        head=filled(copy.deepcopy(head), assets)))
    if toy is not None:
        stats = stats_from_dataset(DATASETS.build(
            toy_dataset_cfg(toy, 'train', pipeline=[])))
        for module in model.modules():
            if isinstance(module, BaseJointCodec) and \
                    module.needs_statistics:
                module.set_statistics(stats)
    return model


def registered(registry):
    """{name: class} of what egohands itself registers."""
    registry.import_from_location()
    return {name: obj for name, obj in registry.module_dict.items()
            if obj.__module__.startswith('egohands.')}


def model_family(obj):
    for package, family in MODEL_FAMILIES.items():
        if obj.__module__.startswith(package):
            return family
    return None


@pytest.fixture(scope='module')
def built(assets):
    """Class names of every module of the estimators of HEAD_CASES."""
    return {type(m).__name__ for case in HEAD_CASES
            for m in small_estimator(case, assets).modules()} | {
                type(m).__name__ for m in
                small_multiview_estimator(assets['hand_dir']).modules()}


def coverage_problems(built):
    """One line per registered component without a small case."""
    problems = []
    tables = dict(backbone=('SMALL_BACKBONES', SMALL_BACKBONES),
                  neck=('SMALL_NECKS', SMALL_NECKS),
                  head=('HEAD_CASES', {h['type'] for _, h in
                                       HEAD_CASES.values()}),
                  tta=('TTA_MODELS', TTA_MODELS),
                  detector=('SMALL_DETECTORS', SMALL_DETECTORS),
                  two_hand=('SMALL_TWO_HAND_ESTIMATORS (a config naming it)',
                            set(SMALL_TWO_HAND_ESTIMATORS) |
                            config_types(SMALL_TWO_HAND_ESTIMATORS)),
                  encoding=('SMALL_ENCODINGS', SMALL_ENCODINGS),
                  mask_loss=('SMALL_MASK_LOSSES', SMALL_MASK_LOSSES),
                  built=('HEAD_CASES (a head config that builds it)',
                         built))
    for name, obj in registered(MODELS).items():
        family = model_family(obj)
        if family is None:
            problems.append(f'MODELS: {name} ({obj.__module__}) is in no '
                            f'package of MODEL_FAMILIES')
        elif name not in tables[family][1]:
            problems.append(f'MODELS: {name} has no small case: add it to '
                            f'{tables[family][0]}')
    for registry, table, label in (
            (TRANSFORMS, SMALL_TRANSFORMS, 'SMALL_TRANSFORMS'),
            (METRICS, SMALL_METRICS, 'SMALL_METRICS')):
        problems += [f'{registry.name}: {name} has no small case: add it '
                     f'to {label}' for name in registered(registry)
                     if name not in table and name not in
                     DETECTION_TRANSFORMS + DETECTION_METRICS +
                     TWO_HAND_TRANSFORMS + TWO_HAND_METRICS
                     + list(HAND_TRACKING_COMPONENTS)
                     + list(MULTIVIEW_TRANSFORMS)]
    return problems


def test_every_registered_component_has_a_small_case(built):
    problems = coverage_problems(built)
    assert not problems, f'in {THIS_FILE}:\n' + '\n'.join(problems)


def test_a_new_component_without_a_small_case_is_reported(built):
    class UncoveredBackbone(torch.nn.Module):
        pass

    UncoveredBackbone.__module__ = 'egohands.models.backbones.uncovered'
    MODELS.register_module(module=UncoveredBackbone)
    try:
        problems = coverage_problems(built)
    finally:
        MODELS.module_dict.pop('UncoveredBackbone')
    assert problems == ['MODELS: UncoveredBackbone has no small case: add '
                        'it to SMALL_BACKBONES']




def _finite_gradients(module):
    grads = [p.grad for p in module.parameters() if p.requires_grad]
    assert grads and any(g is not None and g.abs().sum() > 0 for g in grads)
    assert all(torch.isfinite(g).all() for g in grads if g is not None)


@pytest.mark.parametrize('family, name', [('backbone', n)
                                          for n in SMALL_BACKBONES] +
                         [('neck', n) for n in SMALL_NECKS])
def test_backbone_or_neck_forward_and_backward(family, name):
    torch.manual_seed(0)
    images = torch.randn(2, 3, SIZE, SIZE)
    if family == 'neck':
        kwargs, backbone = SMALL_NECKS[name]
        images = MODELS.build(dict(SMALL_BACKBONES[backbone],
                                   type=backbone))(images)
    else:
        kwargs = SMALL_BACKBONES[name]
    module = MODELS.build(dict(kwargs, type=name))
    feats = module(images)
    assert isinstance(feats, (tuple, list))
    assert [f.shape[1] for f in feats] == list(module.out_channels)
    assert all(f.shape[0] == 2 and torch.isfinite(f).all() for f in feats)
    sum(f.square().mean() for f in feats).backward()
    _finite_gradients(module)


@pytest.mark.parametrize('case', list(HEAD_CASES))
def test_head_loss_backward_and_predict(case, toy, assets):
    model = small_estimator(case, assets, toy)
    mirror = HEAD_CASES[case][1]['type'] in RIGHT_HANDS_ONLY
    batch = toy_batch(toy, crop_pipeline(after_crop=[MIRROR_LEFT] * mirror))
    data = model.data_preprocessor(copy.deepcopy(batch), training=True)
    losses = model(**data, mode='loss')
    assert losses and all(k.startswith('loss') for k in losses)
    total = sum(v for v in losses.values())
    assert torch.isfinite(total)
    total.backward()
    _finite_gradients(model.head)
    model.eval()
    with torch.no_grad():
        predictions = model.test_step(batch)
    assert len(predictions) == 2
    for sample in predictions:
        assert tuple(sample.pred_joints_3d.shape) == (21, 3)
        assert torch.isfinite(sample.pred_joints_3d).all()


@pytest.mark.parametrize('name', TTA_MODELS)
def test_tta_model_merges_the_views(name, toy, assets):
    from egohands.models.tta.hand_flip_tta_model import flip_tta_pipeline
    model = small_estimator('RegressionHead', assets, toy).eval()
    tta = MODELS.build(dict(type=name, module=model))
    views = crop_pipeline(pack=[flip_tta_pipeline(('horizontal', ))])
    with torch.no_grad():
        merged = tta.test_step(toy_batch(toy, views))
    assert len(merged) == 2
    assert all(tuple(s.pred_joints_3d.shape) == (21, 3) for s in merged)


@pytest.mark.parametrize('name', list(SMALL_TRANSFORMS))
def test_transform_runs_on_a_sample(name, toy):
    kwargs, where = SMALL_TRANSFORMS[name]
    packed = toy_batch(toy, crop_pipeline(**{where: [dict(kwargs,
                                                          type=name)]}))
    for image, sample in zip(packed['inputs'], packed['data_samples']):
        assert image.dtype == torch.uint8
        side = (SIZE, SIZE) if name != 'TopdownAffine' else tuple(
            reversed(kwargs['input_size']))
        assert tuple(image.shape) == (3, *side)
        assert tuple(sample.gt_joints_3d.shape) == (21, 3)
        assert torch.isfinite(torch.as_tensor(sample.gt_joints_3d)).all()


@pytest.fixture(scope='module')
def egoexo4d(tmp_path_factory, assets, toy):
    """(data_root, split -> predicted samples as dicts) of a small estimator
    on the tiny EgoExo4D release of egohands.testing."""
    from egohands.testing.egoexo4d import make_processed_egoexo4d
    root = make_processed_egoexo4d(
        str(tmp_path_factory.mktemp('every_component_egoexo4d')))
    model = small_estimator('RegressionHead', assets, toy).eval()
    cache = {}

    def predictions(split):
        if split.startswith('toy:'):
            return toy_predictions(split[len('toy:'):], assets, toy)
        if split not in cache:
            dataset = DATASETS.build(dict(
                type='EgoExo4DHandDataset', data_root=root, split=split,
                test_mode=True, pipeline=crop_pipeline()))
            with torch.no_grad():
                cache[split] = [s.to_dict() for s in model.test_step(
                    pseudo_collate([dataset[i]
                                    for i in range(len(dataset))]))]
        return copy.deepcopy(cache[split])

    return root, predictions


def toy_predictions(case, assets, toy):
    """Samples (dicts) of a HEAD_CASES estimator on the toy training set,
    left hands mirrored (right-hand heads)."""
    mirror = dict(type='RandomFlip', direction='horizontal', prob=1.0,
                  hand_sides=('left', ))
    batch = toy_batch(toy, crop_pipeline(after_crop=[mirror]))
    model = small_estimator(case, assets, toy).eval()
    with torch.no_grad():
        return [s.to_dict() for s in model.test_step(batch)]


@pytest.mark.parametrize('name', list(SMALL_METRICS))
def test_metric_evaluates_a_batch(name, egoexo4d, tmp_path):
    data_root, predictions = egoexo4d
    kwargs, split = SMALL_METRICS[name]
    metric = METRICS.build(dict(filled(kwargs, dict(
        data_root=data_root, out_dir=str(tmp_path))), type=name))
    samples = predictions(split)
    metric.process(None, samples)
    results = metric.evaluate(len(samples))
    assert results
    for key, value in results.items():
        assert isinstance(value, (int, float)) and math.isfinite(value), key
    if name == 'EgoExo4DSubmissionWriter':
        assert json.loads((tmp_path / 'submission.json').read_text())


@pytest.mark.parametrize('name', list(HAND_TRACKING_COMPONENTS))
def test_hand_tracking_component(name, assets, tmp_path):
    from egohands.testing.hand_tracking import make_hand_tracking_tars
    make_hand_tracking_tars(str(tmp_path), 'train', 1, 2)
    kwargs = filled(HAND_TRACKING_COMPONENTS[name], dict(
        assets, root=str(tmp_path), out_dir=str(tmp_path)))
    dataset = DATASETS.build(dict(type='UmeTrackDataset',
                                  data_root=str(tmp_path)))
    if name in TRANSFORMS:
        sample = TRANSFORMS.build(dict(kwargs, type=name))(
            dataset.get_data_info(0))
        assert sample['img'].shape[:2] == sample['img_shape']
        return
    samples = [dict(info, gt_mano_betas=info['mano_betas'],
                    pred_mano=dict(mano_theta=info['mano_theta'],
                                   wrist_xform_world=info['mano_wrist_xform'],
                                   betas=info['mano_betas'] + 0.1))
               for info in map(dataset.get_data_info, range(len(dataset)))]
    metric = METRICS.build(dict(kwargs, type=name))
    metric.process(None, samples)
    results = metric.evaluate(len(samples))
    assert results and all(math.isfinite(v) for v in results.values())


@pytest.mark.parametrize('name', list(SMALL_DETECTORS))
def test_detector_loss_backward_predict_and_metric(name, toy):
    """Whole toy images (EgoHandsImageDataset, DETECTION_TRANSFORMS) through
    the detector: loss, backward, predict; DETECTION_METRICS on the
    predictions."""
    torch.manual_seed(0)
    dataset = DATASETS.build(dict(toy_dataset_cfg(toy, 'train', pipeline=[
        dict(type='LoadImage')] + [dict(type=t, **(
            dict(size=SIZE) if t == 'ResizeImage' else {}))
        for t in DETECTION_TRANSFORMS]), type='EgoHandsImageDataset'))
    batch = pseudo_collate([dataset[i] for i in range(len(dataset))])
    model = MODELS.build(dict(SMALL_DETECTORS[name], type=name,
                              data_preprocessor=dict(
                                  type='HandDataPreprocessor')))
    losses = model.train_step(batch, _sgd_wrapper(model))
    assert all(torch.isfinite(v) for v in losses.values())
    with torch.no_grad():
        samples = model.test_step(batch)
    assert all(s.pred_boxes.shape[1] == 4 for s in samples)
    for metric_name in DETECTION_METRICS:
        metric = METRICS.build(dict(type=metric_name))
        metric.process(None, [s.to_dict() for s in samples])
        results = metric.evaluate(len(samples))
        assert results and all(math.isfinite(v) for v in results.values())


def _sgd_wrapper(model):
    from mmengine.optim import OptimWrapper
    return OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.01))


def test_multiview_estimator_and_transforms(assets, tmp_path):
    """The multi-view transforms on a two-camera rig, then the small
    multi-view estimator (tiny Hiera): loss, backward, predict."""
    dataset = DATASETS.build(dict(
        type='MultiViewDataset',
        dataset=dict(type='EgoHandsCocoDataset',
                     data_root=write_rig(str(tmp_path)),
                     ann_file='annotations/train.json'),
        pipeline=[dict(kwargs, type=name)
                  for name, kwargs in MULTIVIEW_TRANSFORMS.items()]))
    batch = pseudo_collate([dataset[i] for i in range(2)])
    model = small_multiview_estimator(assets['hand_dir'])
    data = model.data_preprocessor(copy.deepcopy(batch), training=True)
    assert tuple(data['inputs'].shape) == (2, 2, 3, 32, 32)
    losses = model(**data, mode='loss')
    total = sum(losses.values())
    assert torch.isfinite(total)
    total.backward()
    _finite_gradients(model.head)
    model.eval()
    with torch.no_grad():
        predictions = model.test_step(batch)
    assert all(tuple(s.pred_joints_3d.shape) == (21, 3) and
               torch.isfinite(s.pred_joints_3d).all() for s in predictions)


@pytest.mark.parametrize('name', list(SMALL_ENCODINGS))
def test_crop_encoding_runs_on_a_batch(name, toy):
    from egohands.models.encodings import crop_geometry_from_samples
    batch = toy_batch(toy)
    encoding = MODELS.build(dict(SMALL_ENCODINGS[name], type=name))
    geometry = crop_geometry_from_samples(batch['data_samples'])
    if encoding.level == 'input':
        x = torch.stack(batch['inputs']).float() / 255
    else:
        x = torch.randn(2, 8, 4, 4)
    x.requires_grad_()
    out = encoding(x, *geometry)
    assert out.shape == (2, encoding.out_channels(x.shape[1]),
                         *x.shape[2:])
    assert torch.isfinite(out).all()
    out.square().sum().backward()
    assert torch.isfinite(x.grad).all() and x.grad.abs().sum() > 0
    turned = encoding.correct_global_orient(torch.eye(3).expand(2, 3, 3),
                                            *geometry)
    torch.testing.assert_close(turned @ turned.transpose(1, 2),
                               torch.eye(3).expand(2, 3, 3))


@pytest.mark.parametrize('name', list(SMALL_TWO_HAND_ESTIMATORS))
def test_two_hand_estimator_loss_predict_and_metric(name, toy, assets):
    """Toy images as two-hand samples (TWO_HAND_TRANSFORMS) through the
    estimator: a training step, predictions on the present hands, and
    TWO_HAND_METRICS on them."""
    torch.manual_seed(0)
    dataset = DATASETS.build(dict(
        type='TwoHandImageDataset', hands=toy_dataset_cfg(toy, 'train'),
        pipeline=[dict(type='LoadImage'),
                  dict(type='TwoHandCrops', frame_size=SIZE, crop_size=SIZE,
                       mask_size=SIZE // 4),
                  dict(type='PackTwoHandInputs')]))
    batch = pseudo_collate([dataset[i] for i in range(len(dataset))])
    model = MODELS.build(dict(filled(SMALL_TWO_HAND_ESTIMATORS[name], assets),
                              type=name))
    losses = model.train_step(copy.deepcopy(batch), _sgd_wrapper(model))
    assert all(torch.isfinite(v) for v in losses.values())
    model.eval()
    with torch.no_grad():
        samples = model.test_step(batch)
    present = [s.get(side) for s in samples for side in ('right', 'left')
               if s.get(side).hand_present]
    assert present and all(h.pred_joints_3d.shape == (21, 3)
                           for h in present)
    for metric_name in TWO_HAND_METRICS:
        metric = METRICS.build(dict(type=metric_name))
        metric.process(None, [s.to_dict() for s in samples])
        results = metric.evaluate(len(samples))
        assert results and all(math.isfinite(v) for v in results.values())


@pytest.mark.parametrize('name', list(SMALL_MASK_LOSSES))
def test_mask_loss_runs_on_a_batch(name, toy):
    from egohands.geometry.camera import backproject_points
    batch = toy_batch(toy, crop_pipeline(
        load=[dict(type='LoadImage', with_mask=True)]))
    samples = batch['data_samples']
    crop_K = torch.stack([torch.as_tensor(s.crop_K) for s in samples])
    corners = torch.tensor([[16., 16.], [48., 16.], [48., 48.], [16., 48.]])
    vertices = backproject_points(corners.expand(2, 4, 2),
                                  torch.full((2, 4), 500.), crop_K)
    vertices.requires_grad_()
    loss = MODELS.build(dict(SMALL_MASK_LOSSES[name], type=name))
    value = loss(vertices, torch.tensor([[0, 1, 2], [0, 2, 3]]), crop_K,
                 torch.stack([s.gt_mask for s in samples]),
                 torch.stack([s.gt_mask_valid for s in samples]))
    assert value.dim() == 0 and 0 < value.item() < 1
    value.backward()
    assert torch.isfinite(vertices.grad).all()
    assert vertices.grad.abs().sum() > 0
