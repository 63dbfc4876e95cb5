"""POTTERBackbone: output shapes of the s12 and small variants, the
high-resolution stream's wiring, drop-path schedule, configuration errors
and the ImageNet POTTER_cls initialisation."""
import pytest
import torch

from egohands.models.backbones.potter import POTTERBackbone
from egohands.utils.errors import ConfigError, MissingAssetError

from .official_shapes import (baseline_shapes, poolattnformer_shapes,
                              random_state_dict)

SMALL = dict(depths=(1, 1, 2, 1), dims=(32, 64, 96, 128),
             mlp_ratios=(2, 2, 2, 2), hr_depths=(1, 1, 1),
             hr_mlp_ratios=(2, 2, 2))


@pytest.mark.slow
def test_s12_at_224_gives_the_56x56_stream_and_7x7_last_stage():
    model = POTTERBackbone().eval()
    with torch.no_grad():
        hr, low = model(torch.randn(1, 3, 224, 224))
    assert hr.shape == (1, 64, 56, 56)
    assert low.shape == (1, 512, 7, 7)
    assert [len(stage) for stage in model.stages] == [2, 2, 6, 2]
    assert [len(stage) for stage in model.hr_stages] == [2, 2, 4]
    assert [stage[0].mlp.fc1.out_channels for stage in model.hr_stages] == [
        128, 128, 256]
    assert [len(up) for up in model.hr_upsamplers] == [1, 2, 3]
    assert model.stem.kernel_size == (7, 7) and model.stem.stride == (4, 4)
    assert model.stem.padding == (2, 2)
    # GroupNorm over all channels: each sample's output is standardised
    # before the per-channel affine (initially 1 and 0)
    assert abs(hr.mean().item()) < 1e-4 and abs(hr.std().item() - 1) < 1e-2


def test_small_variant_at_128():
    model = POTTERBackbone(**SMALL).eval()
    with torch.no_grad():
        hr, low = model(torch.randn(2, 3, 128, 128))
    assert hr.shape == (2, 32, 32, 32) and low.shape == (2, 128, 4, 4)


def test_stream_output_depends_on_every_stage_but_not_the_low_res_norm():
    model = POTTERBackbone(**SMALL, drop_rate=0.0, drop_path_rate=0.0)
    hr, _ = model(torch.randn(1, 3, 64, 64))
    hr.square().sum().backward()
    for stage in model.stages:  # the deepest stage reaches 1/4 too
        assert stage[-1].mlp.fc2.weight.grad.abs().sum() > 0
    for upsampler in model.hr_upsamplers:
        assert upsampler[0].proj.weight.grad.abs().sum() > 0
    assert model.low_res_norm.weight.grad is None


def test_drop_path_schedule():
    model = POTTERBackbone(drop_path_rate=0.1)
    main = [getattr(block.drop_path, 'drop_prob', 0.0)
            for stage in model.stages for block in stage]
    assert main == pytest.approx([0.1 * i / 11 for i in range(12)])
    stream = [[getattr(block.drop_path, 'drop_prob', 0.0) for block in stage]
              for stage in model.hr_stages]
    assert stream == [pytest.approx([0, 0.1]), pytest.approx([0, 0.1]),
                      pytest.approx([0, 0.1 / 3, 0.2 / 3, 0.1])]
    assert model.stages[0][0].mlp.drop.p == 0.1


def test_configuration_errors():
    with pytest.raises(ConfigError, match='multiples of 32'):
        POTTERBackbone(dims=(64, 128, 320, 500))
    with pytest.raises(ConfigError, match='hr_depths'):
        POTTERBackbone(hr_depths=(2, 2))
    with pytest.raises(ConfigError, match='one entry per stage'):
        POTTERBackbone(depths=(2, 2, 6), mlp_ratios=(4, 4, 4, 4))
    with pytest.raises(ConfigError, match='input 100x96'):
        POTTERBackbone(**SMALL)(torch.randn(1, 3, 100, 96))


def test_imagenet_potter_cls_initialisation(tmp_path):
    state = random_state_dict(
        poolattnformer_shapes(fork_norms=False, classifier=True), seed=3)
    path = tmp_path / 'cls_s12.pth'
    torch.save({'state_dict': state, 'epoch': 300}, path)
    model = POTTERBackbone(pretrained=str(path))
    model.init_weights()
    own = model.state_dict()
    assert torch.equal(own['stem.weight'], state['patch_embed.proj.weight'])
    assert torch.equal(own['stages.2.5.token_mixer.embed_proj.weight'],
                       state['network.4.5.token_mixer.proj1.weight'])
    assert torch.equal(own['downsamples.2.bias'], state['network.5.proj.bias'])
    report = model.load_checkpoint(state)
    assert not report.unexpected_keys and not report.shape_mismatches
    # what ImageNet training has no weights for keeps its initial values
    assert {key.split('.')[0] for key in report.missing_keys} == {
        'stage_norms', 'hr_upsamplers', 'hr_stages', 'hr_norm',
        'low_res_norm'}


def test_pretrained_errors(tmp_path):
    model = POTTERBackbone(**SMALL, pretrained=str(tmp_path / 'none.pth'))
    with pytest.raises(MissingAssetError, match='POTTER_cls'):
        model.init_weights()
    baseline = random_state_dict(baseline_shapes(), prefix='module.')
    with pytest.raises(ConfigError, match='convert_checkpoint.py potter'):
        POTTERBackbone().load_checkpoint(baseline)
