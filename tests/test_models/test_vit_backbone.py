"""ViTBackbone: shapes, non-square inputs, errors, layer ids."""
import pytest
import torch

from egohands.models.backbones.vit import ViTBackbone
from egohands.registry import MODELS
from egohands.utils.errors import ConfigError

TINY = dict(embed_dim=32, depth=2, num_heads=2)


def test_feature_map_shape_non_square():
    backbone = ViTBackbone(arch=TINY, img_size=(64, 48))
    (featmap, ) = backbone(torch.randn(2, 3, 64, 48))
    assert featmap.shape == (2, 32, 4, 3)
    assert backbone.grid_size == (4, 3)


def test_feature_map_is_the_token_sequence_in_row_major_order():
    backbone = ViTBackbone(arch=TINY, img_size=(64, 48)).eval()
    image = torch.randn(1, 3, 64, 48)
    tokens = backbone.vit.forward_features(image)  # (1, 12, 32), no cls
    (featmap, ) = backbone(image)
    # patch (row 2, col 1) is token 2 * 3 + 1
    torch.testing.assert_close(featmap[0, :, 2, 1], tokens[0, 7])


def test_cls_token_is_not_in_the_output():
    backbone = ViTBackbone(arch=TINY, img_size=(32, 32), with_cls_token=True)
    assert backbone.vit.num_prefix_tokens == 1
    (featmap, ) = backbone(torch.randn(1, 3, 32, 32))
    assert featmap.shape == (1, 32, 2, 2)


def test_registered_and_named_archs():
    backbone = MODELS.build(
        dict(type='ViTBackbone', arch='tiny', depth=1, img_size=(32, 32)))
    assert backbone.embed_dim == 192 and len(backbone.vit.blocks) == 1
    assert backbone.vit.blocks[0].attn.num_heads == 3


def test_drop_path_ramps_to_the_configured_rate():
    backbone = ViTBackbone(arch=dict(TINY, depth=3), img_size=(32, 32),
                           drop_path_rate=0.4)
    rates = [getattr(block.drop_path1, 'drop_prob', 0.0)
             for block in backbone.vit.blocks]
    assert rates == pytest.approx([0.0, 0.2, 0.4])


def test_bad_arch_and_size_are_config_errors():
    with pytest.raises(ConfigError, match='arch'):
        ViTBackbone(arch='giant')
    with pytest.raises(ConfigError, match='img_size'):
        ViTBackbone(arch=TINY, img_size=(60, 48))
    backbone = ViTBackbone(arch=TINY, img_size=(64, 48))
    with pytest.raises(ConfigError, match='img_size'):
        backbone(torch.randn(1, 3, 48, 64))


def test_conv_stem_keeps_the_patch_grid_and_sees_locally():
    backbone = ViTBackbone(arch=TINY, img_size=(64, 48), patch_size=16,
                           stem='conv').eval()
    convs = [m for m in backbone.vit.patch_embed.proj
             if isinstance(m, torch.nn.Conv2d)]
    assert [c.stride for c in convs] == [(2, 2)] * 4 + [(1, 1)]
    assert convs[-1].out_channels == 32
    image = torch.randn(1, 3, 64, 48)
    (featmap, ) = backbone(image)
    assert featmap.shape == (1, 32, 4, 3)
    # the stem alone: a change in the top-left patch reaches only the
    # stem outputs whose receptive field covers it (4 stride-2 3x3 convs:
    # 31 px), never the far corner
    stem = backbone.vit.patch_embed.proj
    changed = image.clone()
    changed[..., :4, :4] += 5.0
    delta = (stem(changed) - stem(image)).abs().sum(1)[0]
    assert delta[0, 0] > 0 and delta[-1, -1] == 0
    with pytest.raises(ConfigError, match='stem'):
        ViTBackbone(arch=TINY, img_size=(64, 48), stem='hybrid')
    with pytest.raises(ConfigError, match='power-of-two'):
        ViTBackbone(arch=TINY, img_size=(60, 48), patch_size=12, stem='conv')
