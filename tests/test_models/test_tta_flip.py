"""HandFlipTTAModel and the flip-TTA pipeline: merging, involution, and that
TTA really changes the predictions (acceptance)."""
import cv2
import numpy as np
import pytest
import torch
from mmengine.dataset import pseudo_collate
from mmengine.registry import DefaultScope

from egohands.geometry.flip import flip_points_3d
from egohands.models.tta.hand_flip_tta_model import (HandFlipTTAModel,
                                                     flip_tta_pipeline)
from egohands.registry import DATASETS, MODELS, TRANSFORMS
from egohands.structures import HandDataSample
from egohands.testing import make_toy_hand_dataset, toy_dataset_cfg
from egohands.utils.errors import ConfigError
from tool_loader import load_tool

SIZE = (48, 32)  # TopdownAffine input_size (w, h)


def _view(flip, joints, std=None, **extra):
    sample = HandDataSample(metainfo=dict(flip=flip, img_id=1),
                            pred_joints_3d=joints, pred_joints_absolute=False,
                            gt_joints_3d=torch.zeros(21, 3), **extra)
    if std is not None:
        sample.pred_joints_3d_std = std
    return sample


def test_merge_averages_and_keeps_the_unflipped_ground_truth():
    a, b = torch.randn(21, 3), torch.randn(21, 3)
    flipped = _view('vertical', b, std=torch.full((21, 3), 4.0),
                    pred_keypoints_2d=torch.ones(21, 2))
    flipped.gt_joints_3d = torch.ones(21, 3)  # in the flipped frame
    plain = _view('none', a, std=torch.full((21, 3), 2.0),
                  pred_keypoints_2d=torch.zeros(21, 2))
    model = HandFlipTTAModel(module=_estimator())
    (merged, ) = model.merge_preds([[flipped, plain]])
    torch.testing.assert_close(merged.pred_joints_3d, (a + b) / 2)
    torch.testing.assert_close(merged.pred_keypoints_2d,
                               torch.full((21, 2), 0.5))
    # root mean square of 2 and 4
    torch.testing.assert_close(merged.pred_joints_3d_std,
                               torch.full((21, 3), 10.0**0.5))
    assert merged.flip == 'none'
    torch.testing.assert_close(merged.gt_joints_3d, torch.zeros(21, 3))
    assert merged.tta_flips == ['vertical', 'none']
    assert plain.pred_joints_3d is a  # the views are not modified


def test_merge_refuses_mixed_absolute_and_relative_views():
    mixed = _view('vertical', torch.zeros(21, 3))
    mixed.pred_joints_absolute = True
    with pytest.raises(ValueError, match='pred_joints_absolute'):
        HandFlipTTAModel(module=_estimator()).merge_preds(
            [[_view('none', torch.zeros(21, 3)), mixed]])


def test_tta_pipeline_config():
    cfg = flip_tta_pipeline()
    assert cfg['type'] == 'TestTimeAug'
    assert [(t['direction'], t['prob']) for t in cfg['transforms'][0]] == [
        ('vertical', 0.0), ('vertical', 1.0)]
    both = flip_tta_pipeline(('vertical', 'horizontal'))
    assert len(both['transforms'][0]) == 3
    with pytest.raises(ConfigError, match='diagonal'):
        flip_tta_pipeline(('diagonal', ))


@pytest.fixture(autouse=True)
def egohands_scope():
    """TestTimeAug builds its inner transforms by name in the default
    scope, which the Runner sets from the config's default_scope."""
    with DefaultScope.overwrite_default_scope('egohands'):
        yield


@pytest.fixture(scope='module')
def toy(tmp_path_factory):
    return make_toy_hand_dataset(tmp_path_factory.mktemp('toy_tta'),
                                 num_images=2, size=64, seed=3,
                                 splits=('test', ))


def _tta_dataset(toy, directions=('vertical', )):
    pipeline = [dict(type='LoadImage'),
                dict(type='GetSquareBBox', padding=1.25),
                dict(type='TopdownAffine', input_size=SIZE),
                flip_tta_pipeline(directions)]
    return DATASETS.build(toy_dataset_cfg(toy, 'test', pipeline=pipeline))


def test_flipping_the_input_twice_is_the_identity(toy):
    """The flipped view of the TTA pipeline is the mirror image of the plain
    view (image, 3D joints); mirroring it again restores the plain view."""
    data = _tta_dataset(toy, ('vertical', 'horizontal'))[0]
    plain, vertical, horizontal = data['inputs']
    samples = data['data_samples']
    for view, code, axis in ((vertical, 0, 1), (horizontal, 1, 0)):
        image = view.permute(1, 2, 0).numpy()
        restored = cv2.flip(np.ascontiguousarray(image), code)
        np.testing.assert_array_equal(restored, plain.permute(1, 2, 0).numpy())
    for sample, direction in zip(samples[1:], ('vertical', 'horizontal')):
        assert sample.flip == direction
        torch.testing.assert_close(
            flip_points_3d(sample.gt_joints_3d, direction),
            samples[0].gt_joints_3d)
    # and through the transform itself: flipping the flipped sample again
    flip = TRANSFORMS.build(dict(type='RandomFlip', direction='vertical',
                                 prob=1.0))
    base = _tta_dataset(toy).get_data_info(0)
    for transform in _tta_dataset(toy).pipeline.transforms[:3]:
        base = transform(base)
    twice = flip(flip(dict(base, img=base['img'].copy())))
    np.testing.assert_array_equal(twice['img'], base['img'])
    np.testing.assert_allclose(twice['joints_3d'], base['joints_3d'])
    np.testing.assert_allclose(twice['crop_K'], base['crop_K'], atol=1e-5)
    assert twice['flip'] == 'none'


def _estimator():
    torch.manual_seed(0)
    model = MODELS.build(dict(
        type='TopdownHandEstimator',
        data_preprocessor=dict(type='HandDataPreprocessor',
                               mean=[127.5] * 3, std=[64.0] * 3),
        backbone=dict(type='ViTBackbone', img_size=(SIZE[1], SIZE[0]),
                      arch=dict(embed_dim=32, depth=1, num_heads=2)),
        head=dict(type='JointQueryTransformerHead', in_channels=32,
                  embed_dim=32, depth=1,
                  codec=dict(type='RootRelativeJointCodec'))))
    codec = model.head.codec
    codec.set_statistics(dict(mean=torch.zeros(21, 3).tolist(),
                              std=torch.full((21, 3), 20.0).tolist()))
    with torch.no_grad():  # an untrained but clearly image-dependent head
        model.head.readout.weight.normal_(0.0, 1.0)
    return model.eval()


def test_tta_averages_the_unflipped_view_predictions(toy):
    """Acceptance: TTA output = mean of the plain prediction and the
    un-flipped prediction on the flipped image, and differs from the plain
    prediction."""
    model = _estimator()
    tta = HandFlipTTAModel(module=model)
    dataset = _tta_dataset(toy)
    batch = pseudo_collate([dataset[i] for i in range(len(dataset))])
    with torch.no_grad():
        merged = tta.test_step(batch)
        plain_batch = dict(inputs=batch['inputs'][0],
                           data_samples=[s.clone() for s in
                                         batch['data_samples'][0]])
        plain = model.test_step(plain_batch)
        # by hand: flip the plain input, predict in the flipped camera
        # frame, negate y to come back
        images = model.data_preprocessor(plain_batch)['inputs']
        raw = model(torch.flip(images, dims=[2]), mode='tensor')['joints']
        by_hand = flip_points_3d(model.head.codec.decode(raw), 'vertical')
    assert len(merged) == len(dataset) >= 2
    for index, sample in enumerate(merged):
        expected = (plain[index].pred_joints_3d + by_hand[index]) / 2
        torch.testing.assert_close(sample.pred_joints_3d, expected,
                                   atol=1e-4, rtol=1e-4)
        change = (sample.pred_joints_3d -
                  plain[index].pred_joints_3d).norm(dim=-1).mean()
        assert change > 1.0  # mm: TTA really changes the prediction
        assert sample.tta_flips == ['none', 'vertical']


def test_built_from_config_with_the_estimator_config():
    tta = MODELS.build(dict(type='HandFlipTTAModel', module=dict(
        type='TopdownHandEstimator',
        backbone=dict(type='ViTBackbone', img_size=(32, 32),
                      arch=dict(embed_dim=16, depth=1, num_heads=1)),
        head=dict(type='JointQueryTransformerHead', in_channels=16,
                  embed_dim=16, depth=1,
                  codec=dict(type='RootRelativeJointCodec')))))
    assert type(tta.module).__name__ == 'TopdownHandEstimator'


def _run_tool(repo_root, name, argv):
    """Run ``tools/<name>.py`` in this process (a subprocess costs ~15 s
    of imports); returns its exit status."""
    from egohands.apis.cli import run_cli
    return run_cli(load_tool(name).main, [str(a) for a in argv])


@pytest.mark.slow
def test_tools_test_tta_changes_predictions_and_reports_metrics(
        tmp_path, repo_root, toy_data_root):
    """Acceptance: ``tools/test.py`` on the small HP-ViT config, with and
    without ``--tta``, from a checkpoint of that config."""
    import json

    from mmengine.config import Config

    from egohands.evaluation.prediction_dump import load_prediction_dump
    config = repo_root / 'configs' / 'hpvit' / \
        'hpvit_vit-t_1xb64-5e_egosynth-128x96.py'
    shrink = dict(depth=1)
    cfg = Config.fromfile(str(config))
    cfg.model.backbone.update(shrink)
    model = MODELS.build(cfg.model)
    model.head.codec.set_statistics(dict(
        mean=torch.zeros(21, 3).tolist(),
        std=torch.full((21, 3), 20.0).tolist()))
    with torch.no_grad():
        model.head.readout.weight.normal_(0.0, 1.0)
    checkpoint = tmp_path / 'model.pth'
    torch.save(dict(state_dict=model.state_dict(), meta=dict()), checkpoint)
    options = ['--cfg-options', f'data_root={toy_data_root}',
               'model.backbone.depth=1', 'test_dataloader.num_workers=0',
               'test_dataloader.persistent_workers=False']
    dumps = {}
    for mode in ('plain', 'tta'):
        dump = tmp_path / f'{mode}.npz'
        status = _run_tool(repo_root, 'test', [
            config, checkpoint, '--work-dir', tmp_path / mode, '--dump', dump
        ] + (['--tta'] if mode == 'tta' else []) + options)
        assert status == 0
        metrics = json.loads((tmp_path / mode / 'metrics.json').read_text())
        assert {'mpjpe', 'pa_mpjpe'} <= set(metrics)
        dumps[mode] = {p['ann_id']: p for p in
                       load_prediction_dump(str(dump))['predictions']}
    assert dumps['plain'].keys() == dumps['tta'].keys()
    change = np.mean([
        np.linalg.norm(dumps['tta'][k]['pred_joints_3d'] -
                       dumps['plain'][k]['pred_joints_3d'], axis=-1).mean()
        for k in dumps['plain']])
    assert change > 0.1  # mm: the flipped view was really averaged in
    for k, record in dumps['tta'].items():  # same ground truth either way
        np.testing.assert_allclose(record['gt_joints_3d'],
                                   dumps['plain'][k]['gt_joints_3d'])
