"""Build a ready-to-run model from a config, a checkpoint or a model-zoo name.

``init_model`` (exported from ``egohands.apis``) takes

* a config path or a loaded :class:`mmengine.config.Config`, with an
  optional checkpoint path (weights-only loading, strict);
* a model-zoo name (``egohands.hub``): the checkpoint is downloaded,
  sha256-checked and cached (``$EGOHANDS_CHECKPOINT_DIR`` or
  ``checkpoints/``), converted when the entry names a converter, and the
  model is built from the entry's config or, for a published checkpoint
  (``tools/publish_model.py``), from the config text the checkpoint carries
  (``meta.cfg``, covered by the sha256);
* an exported ``.onnx`` file (as config or as checkpoint): an
  ``OnnxHandEstimator`` (``egohands.apis.onnx_runtime``), which needs
  ``onnxruntime``.

The model gets ``model.cfg`` (its config: the test pipeline of the
inference API), is put in eval mode and moved to ``device``.
"""
from __future__ import annotations

import argparse
import os.path as osp
import re
import shlex
from typing import Any, Dict, Optional, Union

from mmengine.config import Config

from egohands.utils.errors import CheckpointError, ConfigError

ConfigLike = Union[str, Config]


def init_model(config: ConfigLike, checkpoint: Optional[str] = None,
               device: str = 'cpu',
               cfg_options: Optional[Dict] = None):
    """The model of ``config`` with the weights of ``checkpoint``.

    Args:
        config: config path, loaded Config, model-zoo name or ``.onnx``.
        checkpoint: checkpoint file (``.pth`` or ``.onnx``); None: random
            weights for a config, the entry's file for a model-zoo name.
        device: torch device of the model.
        cfg_options: entries merged into the config.

    Raises:
        ConfigError, MissingAssetError, DownloadError, CheckpointError: one
        line naming the file or name that is wrong.
    """
    if _is_onnx(checkpoint) or _is_onnx(config):
        from egohands.apis.onnx_runtime import OnnxHandEstimator
        onnx_file = checkpoint if _is_onnx(checkpoint) else config
        cfg = None if _is_onnx(config) else _config(config, cfg_options)
        return OnnxHandEstimator(onnx_file, cfg, device)
    state = None
    if isinstance(config, str) and not osp.isfile(config) and \
            not config.endswith('.py'):
        config, state = _from_model_zoo(config, checkpoint)
    cfg = _config(config, cfg_options)
    model = _build(cfg)
    if state is None and checkpoint is not None:
        from egohands.hub import load_checkpoint_verified
        state = load_checkpoint_verified(checkpoint)
    if state is not None:
        _load_weights(model, state, checkpoint or 'model-zoo checkpoint')
    model.cfg = cfg
    return model.to(device).eval()


def _is_onnx(path: Any) -> bool:
    return isinstance(path, str) and path.lower().endswith('.onnx')


def _config(config: ConfigLike, cfg_options: Optional[Dict]) -> Config:
    from egohands.apis.tool_config import load_config
    if isinstance(config, Config):
        cfg = config.copy()
        if cfg_options:
            cfg.merge_from_dict(cfg_options)
        return cfg
    return load_config(config, cfg_options)


def _build(cfg: Config):
    import egohands.models  # noqa: F401 (registers the components)
    from egohands.registry import MODELS
    if 'model' not in cfg:
        raise ConfigError(f'{cfg.filename or "config"}: has no model entry')
    return MODELS.build(cfg.model)


def _load_weights(model, checkpoint: Dict, where: str) -> None:
    """Strict load of ``state_dict`` (or of a bare state dict)."""
    state = checkpoint.get('state_dict', checkpoint) \
        if isinstance(checkpoint, dict) else None
    if not isinstance(state, dict):
        raise CheckpointError(f'checkpoint {where}: holds no state_dict')
    try:
        result = model.load_state_dict(state, strict=False)
    except RuntimeError as err:  # tensor shapes differ
        first = str(err).split('\n\t')[1:2] or [str(err)]
        raise CheckpointError(f'checkpoint {where} does not fit the '
                              f"config's model: {first[0].strip()}") from None
    if result.missing_keys or result.unexpected_keys:
        raise CheckpointError(
            f'checkpoint {where} does not fit the config\'s model: '
            f'missing {result.missing_keys[:5]}'
            f'{" ..." if len(result.missing_keys) > 5 else ""}, unexpected '
            f'{result.unexpected_keys[:5]}'
            f'{" ..." if len(result.unexpected_keys) > 5 else ""}')


def _from_model_zoo(name: str, checkpoint: Optional[str]):
    """(config, loaded checkpoint) of the model-zoo entry ``name``."""
    from egohands.hub import download_entry, get_entry
    from egohands.hub import load_checkpoint_verified
    entry = get_entry(name)
    path = checkpoint or download_entry(entry)
    if entry.convert and checkpoint is None:
        path = convert_downloaded(entry.convert, path)
    state = load_checkpoint_verified(path)
    if entry.config and osp.isfile(entry.config):
        return entry.config, state
    text = state.get('meta', {}).get('cfg') if isinstance(state, dict) \
        else None
    if not text:
        raise ConfigError(
            f'model-zoo entry {name!r}: its config {entry.config!r} is not '
            'here and the checkpoint carries none (meta.cfg); run from the '
            'egohands checkout or pass the config path instead of the name')
    return Config.fromstring(text, '.py'), state


def convert_downloaded(command: str, src: str) -> str:
    """Run the converter a model-zoo ``convert`` command names on ``src``;
    return the converted file (kept next to it and reused)."""
    from egohands.checkpoint_converters import CONVERTERS, get_converter
    words = shlex.split(command)
    index = next((i for i, w in enumerate(words)
                  if re.search(r'convert_checkpoint\.py$', w)), None)
    if index is None or index + 1 >= len(words) or \
            words[index + 1] not in CONVERTERS:
        raise ConfigError(f'model-zoo convert command {command!r}: names no '
                          f'converter of this egohands ({sorted(CONVERTERS)})')
    converter = get_converter(words[index + 1])
    dst = osp.splitext(src)[0] + '.egohands.pth'
    if osp.isfile(dst) and osp.getmtime(dst) >= osp.getmtime(src):
        return dst
    extra = [w for w in words[index + 2:] if w not in ('SRC', 'DST')]
    extra = [w for w in extra if not w.endswith(('.pth', '.pt', '.ckpt'))]
    parser = argparse.ArgumentParser(prog=words[index + 1])
    parser.add_argument('src')
    parser.add_argument('dst')
    parser.add_argument('--force', action='store_true')
    converter.add_arguments(parser)
    converter.run(parser.parse_args([src, dst, '--force'] + extra))
    return dst
