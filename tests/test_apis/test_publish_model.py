"""tools/publish_model.py -> index served over local HTTP -> init_model and
tools/infer.py by name; a corrupted copy is refused (sha256)."""
import contextlib
import io
import json
from pathlib import Path

import numpy as np
import pytest
import torch

import tool_loader
from egohands.apis import inference_topdown, init_model
from egohands.apis.cli import run_cli
from egohands.utils.errors import DownloadError
from test_hub.conftest import LocalServer


def _run(tool, argv):
    err, out = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
        status = run_cli(tool_loader.load_tool(tool).main, argv)
    return status, out.getvalue(), err.getvalue()


@pytest.fixture
def published(trained_tiny, tmp_path, monkeypatch):
    config, checkpoint, _ = trained_tiny
    metrics = tmp_path / 'metrics.json'
    metrics.write_text(json.dumps({'mpjpe': 123.5, 'pck_auc': 0.25}))
    out = tmp_path / 'zoo'
    status, stdout, stderr = _run('publish_model', [
        checkpoint, str(out), '--config', config, '--name', 'tiny_toy',
        '--metrics', str(metrics)])
    assert status == 0, stderr
    server = LocalServer(out)
    monkeypatch.setenv('EGOHANDS_MODEL_ZOO_INDEX',
                       server.url('index.json'))
    monkeypatch.setenv('EGOHANDS_CHECKPOINT_DIR', str(tmp_path / 'cache'))
    monkeypatch.delenv('EGOHANDS_MODEL_ZOO_URL', raising=False)
    yield out, server
    server.close()


def test_publish_serve_and_load_by_name(published, trained_tiny):
    out, server = published
    config, checkpoint, _ = trained_tiny
    entry, = json.loads((out / 'index.json').read_text())
    published_file = out / entry['filename']
    import hashlib
    sha = hashlib.sha256(published_file.read_bytes()).hexdigest()
    assert entry['sha256'] == sha and entry['filename'] == \
        f'tiny_toy-{sha[:8]}.pth'
    assert entry['size'] == published_file.stat().st_size
    assert entry['metrics'] == {'mpjpe': 123.5, 'pck_auc': 0.25}
    assert entry['url'] == entry['filename']  # relative to the index
    slim = torch.load(published_file, weights_only=True)
    assert set(slim) == {'state_dict', 'meta'}  # no optimizer state
    full = torch.load(checkpoint, weights_only=False)
    assert 'optimizer' in full
    assert published_file.stat().st_size < Path(checkpoint).stat().st_size

    by_name = init_model('tiny_toy')
    assert any(p.endswith(entry['filename']) for p in server.requests)
    reference = init_model(config, checkpoint)
    image = np.random.default_rng(0).integers(0, 255, (64, 64, 3),
                                              dtype=np.uint8)
    np.testing.assert_allclose(
        inference_topdown(by_name, image)[0].pred_joints_3d,
        inference_topdown(reference, image)[0].pred_joints_3d, atol=1e-5)


def test_build_from_the_checkpoint_config_text(published, monkeypatch,
                                               tmp_path):
    out, _ = published
    entries = json.loads((out / 'index.json').read_text())
    entries[0]['config'] = 'configs/not_in_this_checkout.py'
    (out / 'index.json').write_text(json.dumps(entries))
    model = init_model('tiny_toy')
    assert model.head.codec.has_statistics()


def test_infer_tool_by_name(published, tmp_path):
    image = tmp_path / 'one.png'
    import cv2
    cv2.imwrite(str(image), np.full((64, 64, 3), 120, np.uint8))
    status, stdout, stderr = _run('infer', ['tiny_toy', str(image),
                                            '--out-dir', str(tmp_path / 'o')])
    assert status == 0, stderr
    assert '1 hands in 1 frames' in stdout


def test_corrupted_copy_is_refused(published, tmp_path):
    out, _ = published
    entry, = json.loads((out / 'index.json').read_text())
    target = out / entry['filename']
    content = bytearray(target.read_bytes())
    content[len(content) // 2] ^= 0xFF
    target.write_bytes(bytes(content))
    with pytest.raises(DownloadError, match='sha256 mismatch'):
        init_model('tiny_toy')
    assert not any((tmp_path / 'cache').glob('*.pth'))
    status, _, stderr = _run('infer', ['tiny_toy', str(out)])
    assert status == 2 and 'sha256 mismatch' in stderr
