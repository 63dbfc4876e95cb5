"""configs/hpvit/hpvit_vit-h_1xb8-70e_egoexo4d-manual-auto-256x192.py: the
ViT-H recipe with a training set of manual + automatic labels."""
from pathlib import Path

import numpy as np
import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate

from egohands.apis.config_validation import validate_config
from egohands.registry import DATASETS, MODELS

CONFIG_DIR = Path(__file__).parents[2] / 'configs' / 'hpvit'
VARIANT = CONFIG_DIR / 'hpvit_vit-h_1xb8-70e_egoexo4d-manual-auto-256x192.py'
MANUAL = CONFIG_DIR / 'hpvit_vit-h_1xb8-70e_egoexo4d-256x192.py'


def test_variant_is_the_vit_h_recipe_with_both_label_sets():
    variant = Config.fromfile(str(VARIANT))
    validate_config(variant, VARIANT.name)
    assert variant.train_dataloader.dataset.annotation == 'both'
    # validation and the challenge test split stay on the manual labels
    assert variant.val_dataloader.dataset.annotation == 'manual'
    assert variant.test_dataloader.dataset.get('annotation',
                                               'manual') == 'manual'
    manual = Config.fromfile(str(MANUAL))
    assert manual.train_dataloader.dataset.annotation == 'manual'
    variant.train_dataloader.dataset.annotation = 'manual'
    assert variant.to_dict() == manual.to_dict()  # nothing else differs


def small_variant(data_root: str) -> Config:
    """The variant with a one-block ViT-Tiny on 64 x 48 crops."""
    cfg = Config.fromfile(str(VARIANT))
    cfg.model.backbone.update(arch='tiny', depth=1, img_size=(64, 48),
                              pretrained=None)
    cfg.model.head.update(in_channels=192, embed_dim=32, depth=1)
    dataset = cfg.train_dataloader.dataset
    dataset.data_root = data_root
    dataset.pipeline[2].input_size = (48, 64)
    return cfg


def test_variant_trains_on_manual_and_automatic_hands(egoexo4d_release):
    """Its training set is every kept hand of both files of the release
    (manual label first), and a step on all of them updates the model."""
    release, out = egoexo4d_release
    cfg = small_variant(out)
    dataset = DATASETS.build(cfg.train_dataloader.dataset)
    infos = [dataset.get_data_info(i) for i in range(len(dataset))]
    loaded = {(i['sequence'], i['frame'], i['hand_side']):
              i['annotation_kind'] for i in infos}
    kept = {kind: {(h.take_uid, int(h.frame), h.side)
                   for h in release.hands(kind, 'train')
                   if h.valid is not None} for kind in ('manual', 'auto')}
    assert len(infos) == len(loaded) == len(kept['manual'] | kept['auto'])
    assert set(loaded) == kept['manual'] | kept['auto']
    assert kept['auto'] - kept['manual']  # hands only the auto file has
    for key, kind in loaded.items():
        assert kind == ('manual' if key in kept['manual'] else 'auto')

    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.head.codec.set_statistics(dict(mean=torch.zeros(21, 3),
                                         std=torch.full((21, 3), 50.0)))
    batch = model.data_preprocessor(
        pseudo_collate([dataset[i] for i in range(len(dataset))]),
        training=True)
    assert len(batch['data_samples']) == len(loaded)
    losses = model(**batch, mode='loss')
    total = sum(v for k, v in losses.items() if k.startswith('loss'))
    assert torch.isfinite(total) and total > 0
    total.backward()
    grads = [p.grad for p in model.backbone.parameters()
             if p.grad is not None]
    assert grads and any(np.abs(g.numpy()).max() > 0 for g in grads)
