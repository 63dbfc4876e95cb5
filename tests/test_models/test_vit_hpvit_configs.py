"""configs/hpvit: the seed's recipes, clean failures without data, and the
acceptance forward pass of the ViT-B config at 256x192."""
import time
from pathlib import Path

import pytest
import torch
from mmengine.config import Config

from egohands.apis.config_validation import validate_config
from egohands.registry import DATASETS, MODELS
from egohands.utils.errors import EgohandsError
from test_tools.test_configs import config_bases

CONFIG_DIR = Path(__file__).resolve().parents[2] / 'configs' / 'hpvit'
EGOEXO = {
    # name: (arch, head width, head depth, layer decay, batch, drop path)
    'hpvit_vit-b_1xb64-70e_egoexo4d-256x192.py':
    ('base', 768, 6, 0.75, 64, 0.3),
    'hpvit_vit-l_1xb16-70e_egoexo4d-256x192.py':
    ('large', 1024, 12, 0.8, 16, 0.5),
    'hpvit_vit-h_1xb8-70e_egoexo4d-256x192.py':
    ('huge', 1280, 12, 0.85, 8, 0.55),
}
RLE = 'hpvit-rle_vit-h_1xb8-20e_egoexo4d-256x192.py'
ALL = sorted(p.name for p in CONFIG_DIR.glob('*.py'))


def _load(name):
    return Config.fromfile(str(CONFIG_DIR / name))


@pytest.mark.parametrize('name', ALL)
def test_configs_validate_and_inherit_at_most_two_levels(name):
    cfg = _load(name)
    validate_config(cfg, name)
    bases = config_bases(CONFIG_DIR / name)
    assert 1 <= len(bases) <= 2 and bases[0].name == 'default_runtime.py'
    # all it inherits are _base_ files, at most 2 levels deep (a recipe
    # that inherits a dataset file)
    for base in bases:
        assert '_base_' in base.parts
        assert all('_base_' in inner.parts and not config_bases(inner)
                   for inner in config_bases(base))
    assert cfg.tta_model.type == 'HandFlipTTAModel'
    views = cfg.tta_pipeline[-1].transforms[0]
    # the seed's vertical flip; the small EgoSynth config flips
    # horizontally (its header says why)
    direction = 'horizontal' if 'egosynth' in name else 'vertical'
    assert [(v.direction, v.prob) for v in views] == [(direction, 0.0),
                                                      (direction, 1.0)]


@pytest.mark.parametrize('name', sorted(EGOEXO))
def test_egoexo4d_recipes(name):
    arch, width, depth, decay, batch, drop_path = EGOEXO[name]
    cfg = _load(name)
    assert cfg.model.backbone.arch == arch
    assert tuple(cfg.model.backbone.img_size) == (256, 192)
    assert cfg.model.backbone.drop_path_rate == drop_path
    assert (cfg.model.head.embed_dim, cfg.model.head.depth) == (width, depth)
    assert cfg.model.head.loss.type == 'MPJPELoss'
    assert cfg.optim_wrapper.optimizer.lr == 5e-4
    assert cfg.optim_wrapper.optimizer.weight_decay == 0.1
    assert cfg.optim_wrapper.paramwise_cfg.layer_decay_rate == decay
    assert cfg.train_dataloader.batch_size == batch
    assert cfg.train_cfg.max_epochs == 70
    warmup, cosine = cfg.param_scheduler
    assert (warmup.type, warmup.end, warmup.convert_to_iter_based) == (
        'LinearLR', 1, True)
    assert cosine.type == 'CosineAnnealingLR' and cosine.end == 70
    assert cosine.eta_min_ratio * 5e-4 == pytest.approx(5e-6)
    augmentations = [t.type for t in cfg.train_pipeline]
    for kind in ('RandomFlip', 'HSVJitter', 'RandomBlur', 'RandomMedianBlur',
                 'CoarseDropout'):
        assert kind in augmentations
    assert cfg.train_dataloader.dataset.data_root == 'data/egoexo4d/'



#: the backbone width of each ViT arch (seed_methods.md section 3.1)
WIDTH = dict(base=768, large=1024, huge=1280)


HUGE = EGOEXO['hpvit_vit-h_1xb8-70e_egoexo4d-256x192.py']
#: every EgoExo4D config: its row of EGOEXO, its pretrained backbone weights
#: and its (max_epochs, base lr)
VARIANTS = {
    **{name: (row, f'checkpoints/vitpose-{row[0][0]}.pth', (70, 5e-4))
       for name, row in EGOEXO.items()},
    RLE: (HUGE, None, (20, 1e-4)),
    'hpvit_vit-h_1xb8-70e_egoexo4d-manual-auto-256x192.py':
    (HUGE, 'checkpoints/vitpose-h.pth', (70, 5e-4)),
}


#: the released-weights configs (test_pcie_conversion.py tests them)
RELEASED = [n for n in ALL if n.startswith('hpvit-pcie_')]


def test_every_egoexo4d_config_has_a_row():
    assert sorted(VARIANTS) == [n for n in ALL if 'egoexo4d' in n and
                                n not in RELEASED]


@pytest.mark.parametrize('name', sorted(VARIANTS))
def test_variant_entries_agree(name):
    """The EgoExo4D configs share _base_/recipes/hpvit_egoexo4d-256x192.py
    and override only the dict entries that differ: every entry agrees with
    the arch table, and the head takes the built backbone's width."""
    (arch, width, depth, decay, batch, drop_path), pretrained, (
        max_epochs, base_lr) = VARIANTS[name]
    cfg = _load(name)
    backbone, head = cfg.model.backbone, cfg.model.head
    assert (backbone.arch, backbone.drop_path_rate, backbone.pretrained) == (
        arch, drop_path, pretrained)
    assert tuple(backbone.img_size) == tuple(cfg.img_size)
    assert 'in_channels' not in head
    with torch.device('meta'):
        built = MODELS.build(dict(backbone, pretrained=None))
    assert (built.out_channels, head.embed_dim, head.depth) == (
        [WIDTH[arch]], width, depth)
    assert cfg.optim_wrapper.optimizer.lr == base_lr == cfg.base_lr
    assert cfg.optim_wrapper.paramwise_cfg.layer_decay_rate == decay
    assert cfg.train_cfg.max_epochs == max_epochs == cfg.max_epochs
    warmup, cosine = cfg.param_scheduler
    assert (warmup.begin, warmup.end) == (0, 1)
    assert (cosine.begin, cosine.end, cosine.T_max) == (
        1, max_epochs, max_epochs - 1)
    assert cosine.eta_min_ratio * base_lr == pytest.approx(5e-6)
    for split in ('train', 'val', 'test'):
        loader = cfg[f'{split}_dataloader']
        assert loader.batch_size == batch
        assert loader.dataset.split == split
        assert loader.dataset.pipeline == (
            cfg.train_pipeline if split == 'train' else cfg.test_pipeline)
        affine = loader.dataset.pipeline[2]
        assert affine.type == 'TopdownAffine'
        assert tuple(affine.input_size) == tuple(cfg.input_size)


def test_rle_finetune_recipe():
    cfg = _load(RLE)
    assert cfg.model.head.with_sigma and cfg.model.head.loss.type == 'RLELoss'
    assert cfg.optim_wrapper.optimizer.lr == 1e-4
    assert cfg.train_cfg.max_epochs == 20
    assert 'hpvit_vit-h_1xb8-70e' in cfg.load_from
    assert cfg.model.backbone.pretrained is None


@pytest.mark.parametrize('name', sorted(EGOEXO) + [RLE])
def test_missing_egoexo4d_is_a_clean_error(name, tmp_path):
    cfg = _load(name)
    dataset = cfg.train_dataloader.dataset
    dataset.data_root = str(tmp_path / 'egoexo4d')
    with pytest.raises(EgohandsError, match='egoexo4d'):
        DATASETS.build(dataset)


def test_rle_config_model_builds_small():
    """The RLE recipe's model (shrunk) takes an MPJPE checkpoint's head."""
    cfg = _load(RLE)
    small = dict(arch=dict(embed_dim=32, depth=1, num_heads=2),
                 img_size=(32, 32))
    cfg.model.backbone.update(small)
    cfg.model.head.update(embed_dim=64, depth=1)
    rle_model = MODELS.build(cfg.model)
    mpjpe_cfg = _load('hpvit_vit-h_1xb8-70e_egoexo4d-256x192.py')
    mpjpe_cfg.model.backbone.update(small, pretrained=None)
    mpjpe_cfg.model.head.update(embed_dim=64, depth=1)
    result = rle_model.load_state_dict(
        MODELS.build(mpjpe_cfg.model).state_dict(), strict=False)
    assert not result.unexpected_keys
    assert {k.split('.')[1] for k in result.missing_keys} == {
        'sigma_readout', 'loss_module'}


@pytest.mark.slow
def test_vit_b_config_builds_and_runs_a_forward_pass():
    """Acceptance: ViT-B at img_size=(256, 192), one CPU forward, batch 1."""
    cfg = _load('hpvit_vit-b_1xb64-70e_egoexo4d-256x192.py')
    cfg.model.backbone.pretrained = None  # no weights in the test suite
    model = MODELS.build(cfg.model).eval()
    assert tuple(model.backbone.img_size) == (256, 192)
    assert sum(p.numel() for p in model.backbone.parameters()) > 85e6
    start = time.time()
    with torch.no_grad():
        feats = model.extract_feat(torch.randn(1, 3, 256, 192))
        out = model.head(feats)
    assert feats[-1].shape == (1, 768, 16, 12)
    assert model.backbone.out_channels == [768]
    assert out['joints'].shape == (1, 21, 3)
    assert torch.isfinite(out['joints']).all()
    assert time.time() - start < 60
