"""The full-size HaMeR of configs/hamer (ViT-H backbone, 1024-d decoder)
builds and runs one forward pass on the CPU (batch 1, no gradients: about
3.5 GB of memory, 30 s)."""
import pytest
import torch
from mmengine.config import Config

from egohands.registry import MODELS

CONFIG = 'configs/hamer/hamer_vit-h_8xb8-1000000it_egoexo4d-256x256.py'


@pytest.mark.slow
def test_hamer_h_forward_on_cpu(hand_dir, repo_root):
    model_cfg = Config.fromfile(str(repo_root / CONFIG)).model
    model_cfg.backbone.pretrained = None
    model_cfg.head.hand_model.model_path = str(hand_dir)
    model_cfg.head.loss_adversarial = None  # needs HaMeR's mocap file
    torch.manual_seed(0)
    model = MODELS.build(model_cfg).eval()
    backbone = model.backbone
    assert (backbone.embed_dim, backbone.num_layers) == (1280, 32)
    assert backbone.pos_embed.shape == (1, 193, 1280)
    assert sum(p.numel() for p in backbone.parameters()) > 6.3e8
    with torch.no_grad():
        feats = model.extract_feat(torch.randn(1, 3, 256, 256))
        assert feats[0].shape == (1, 1280, 16, 12)
        out = model.head(feats)
    assert out['joints_m'].shape == (1, 21, 3)
    assert out['vertices_m'].shape == (1, 778, 3)
    assert torch.isfinite(out['cam_t']).all()
