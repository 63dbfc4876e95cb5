"""tools/export_onnx.py: onnxruntime matches PyTorch within 1e-4 mm for the
tiny model, HP-ViT and POTTER, and the inference API runs the file."""
import contextlib
import io

import numpy as np
import pytest
import torch

import tool_loader
from egohands.apis import inference_topdown, init_model
from egohands.apis.cli import run_cli


def _export(argv):
    err, out = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
        status = run_cli(tool_loader.load_tool('export_onnx').main, argv)
    return status, out.getvalue(), err.getvalue()


def test_tiny_export_runs_in_the_inference_api(trained_tiny, tmp_path):
    config, checkpoint, _ = trained_tiny
    onnx_file = tmp_path / 'tiny.onnx'
    status, stdout, stderr = _export([config, checkpoint, str(onnx_file)])
    assert status == 0, stderr
    assert 'largest difference to PyTorch' in stdout
    torch_model = init_model(config, checkpoint)
    onnx_model = init_model(str(onnx_file))
    rng = np.random.default_rng(1)
    image = rng.integers(0, 255, (72, 96, 3), dtype=np.uint8)
    boxes = [[5, 6, 40, 50], [50, 20, 90, 70]]
    expected = inference_topdown(torch_model, image, boxes, ['left', 'right'])
    got = inference_topdown(onnx_model, image, boxes, ['left', 'right'])
    for a, b in zip(expected, got):
        np.testing.assert_allclose(b.pred_joints_3d, a.pred_joints_3d,
                                   atol=1e-4)
        assert b.pred_joints_absolute is False
        np.testing.assert_allclose(b.pred_keypoints_2d, a.pred_keypoints_2d,
                                   atol=1e-3)


@pytest.mark.slow
@pytest.mark.parametrize('config', [
    'configs/hpvit/hpvit_vit-t_1xb64-5e_egosynth-128x96.py',
    'configs/potter/potter_poolattn-t_1xb16-6e_egosynth-128x128.py'])
def test_hpvit_and_potter_match_pytorch(repo_root, config, tmp_path):
    from egohands.apis.onnx_export import export_onnx
    from egohands.codecs.base import BaseJointCodec
    compare = tool_loader.load_tool('export_onnx').compare_with_pytorch
    torch.manual_seed(0)
    model = init_model(str(repo_root / config))
    for module in model.modules():  # statistics a training would give
        if isinstance(module, BaseJointCodec):
            module.set_statistics(dict(
                mean=torch.randn(21, 3).numpy() * 20,
                std=(torch.rand(21, 3) * 30 + 5).numpy()))
    onnx_file = str(tmp_path / 'model.onnx')
    meta = export_onnx(model, onnx_file)
    assert meta['outputs'][0] == 'pred_joints_3d'
    assert compare(model, onnx_file) < 1e-4


def test_mano_heads_and_missing_onnx_are_explained(monkeypatch, tmp_path):
    from egohands.apis.onnx_export import ExportableTopdown, require_onnx
    from egohands.utils.errors import ConfigError, MissingAssetError

    class NoCodecHead(torch.nn.Module):
        codec = None
    model = torch.nn.Module()
    model.head = NoCodecHead()
    with pytest.raises(ConfigError, match='codec-based head'):
        ExportableTopdown(model)
    import sys
    monkeypatch.setitem(sys.modules, 'onnx', None)
    with pytest.raises(MissingAssetError, match='pip install onnx'):
        require_onnx()
