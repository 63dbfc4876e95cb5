"""HandDataPreprocessor's batched path gives what mmengine's per-image
ImgDataPreprocessor gives, without deep-copying the samples' metainfo."""
import numpy as np
import pytest
import torch
from mmengine.model import ImgDataPreprocessor

from egohands.registry import MODELS
from egohands.structures import HandDataSample

SETTINGS = dict(mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375],
                bgr_to_rgb=True)


def _batch(shapes, seed=0):
    generator = torch.Generator().manual_seed(seed)
    images = [torch.randint(0, 256, shape, dtype=torch.uint8,
                            generator=generator) for shape in shapes]
    samples = []
    for index in range(len(shapes)):
        sample = HandDataSample()
        sample.set_field(np.full((3, 3), float(index), np.float32), 'crop_K',
                         field_type='metainfo')
        sample.set_field(f'img_{index}.jpg', 'img_path',
                         field_type='metainfo')
        sample.gt_joints_3d = torch.rand(21, 3, generator=generator)
        samples.append(sample)
    return dict(inputs=images, data_samples=samples)


@pytest.mark.parametrize('shapes', [[(3, 64, 64)] * 5,
                                    [(3, 8, 6), (3, 8, 6), (3, 8, 6)]])
@pytest.mark.parametrize('settings', [SETTINGS, dict(bgr_to_rgb=False),
                                      dict(SETTINGS, bgr_to_rgb=False)])
def test_batched_normalisation_equals_mmengine_per_image(shapes, settings):
    ours = MODELS.build(dict(type='HandDataPreprocessor', **settings))
    reference = ImgDataPreprocessor(**settings)
    out = ours(_batch(shapes), training=True)
    expected = reference(_batch(shapes), training=True)
    assert out['inputs'].dtype == expected['inputs'].dtype == torch.float32
    torch.testing.assert_close(out['inputs'], expected['inputs'],
                               rtol=1e-6, atol=1e-5)
    for sample, expected_sample in zip(out['data_samples'],
                                       expected['data_samples']):
        assert sample.metainfo.keys() == expected_sample.metainfo.keys()
        np.testing.assert_array_equal(sample.crop_K, expected_sample.crop_K)
        assert sample.img_path == expected_sample.img_path
        torch.testing.assert_close(sample.gt_joints_3d,
                                   expected_sample.gt_joints_3d)


def test_samples_are_new_objects_sharing_the_metainfo_values():
    preprocessor = MODELS.build(dict(type='HandDataPreprocessor',
                                     **SETTINGS))
    batch = _batch([(3, 4, 4)] * 2)
    out = preprocessor(batch)
    for moved, original in zip(out['data_samples'], batch['data_samples']):
        assert moved is not original and type(moved) is HandDataSample
        assert moved.crop_K is original.crop_K  # shared, not deep-copied
        moved.set_field(torch.zeros(1), 'pred_joints_3d')
        assert 'pred_joints_3d' not in original  # the container is new


def test_crops_of_several_sizes_are_padded_as_mmengine_does():
    preprocessor = MODELS.build(dict(type='HandDataPreprocessor',
                                     **SETTINGS))
    shapes = [(3, 6, 6), (3, 4, 5)]
    out = preprocessor(_batch(shapes))
    expected = ImgDataPreprocessor(**SETTINGS)(_batch(shapes))
    assert out['inputs'].shape == (2, 3, 6, 6)
    torch.testing.assert_close(out['inputs'], expected['inputs'])
