"""Turning a config file and command-line flags into a Runner config.

The flags follow mmpose's ``tools/train.py`` / ``tools/test.py``:

* work dir: ``--work-dir`` > ``work_dir`` in the config >
  ``./work_dirs/<config stem>``;
* ``--resume`` alone means ``auto`` (resume from the latest checkpoint of
  the work dir that loads, see ``egohands.engine.resume``), ``--resume
  PATH`` resumes from PATH;
* ``--amp`` switches to ``AmpOptimWrapper`` (needs a GPU);
* ``--launcher`` goes to ``cfg.launcher``; the distributed backend is gloo
  when CUDA is unavailable (torchrun + ``--launcher pytorch`` only), the
  config's (nccl) otherwise;
* ``--cfg-options k=v`` is merged last. ``data_root=DIR`` also replaces
  every ``data_root`` entry that had the config's top-level value, so one
  option moves all datasets of a config.
"""
from __future__ import annotations

import os
import os.path as osp
from typing import Any, Dict, Optional

import torch
from mmengine.config import Config

from egohands.utils.errors import ConfigError


def load_config(path: str, cfg_options: Optional[Dict] = None) -> Config:
    """Read a config file and merge ``--cfg-options`` into it."""
    if not osp.isfile(path):
        raise ConfigError(f'config file {path} does not exist')
    try:
        cfg = Config.fromfile(path)
    except SyntaxError as err:
        where = err.filename if err.filename and err.filename.endswith(
            '.py') else path
        raise ConfigError(f'{where}: line {err.lineno}: {err.msg}') from None
    except FileNotFoundError as err:
        raise ConfigError(f'{path}: {err}') from None
    except ImportError as err:  # custom_imports naming a missing module
        cause = err.__cause__ or err.__context__
        detail = cause if isinstance(cause, ImportError) else str(
            err).split(', the current sys.path')[0]
        raise ConfigError(f'{path}: custom_imports: {detail}; install the '
                          'module or put its folder on PYTHONPATH') from err
    except Exception as err:  # noqa: BLE001 - the config is the user's code
        raise ConfigError(f'{path}: {type(err).__name__}: {err}') from err
    if cfg_options:
        old_root = cfg.get('data_root')
        cfg.merge_from_dict(cfg_options)
        if 'data_root' in cfg_options and old_root is not None:
            for _, value in cfg.items():
                _replace_data_root(value, old_root, cfg_options['data_root'])
    return cfg


def _replace_data_root(node: Any, old: str, new: str) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == 'data_root' and value == old:
                node[key] = new
            else:
                _replace_data_root(value, old, new)
    elif isinstance(node, (list, tuple)):
        for value in node:
            _replace_data_root(value, old, new)


def set_work_dir(cfg: Config, cli_work_dir: Optional[str],
                 config_path: str) -> None:
    """CLI > config > ``./work_dirs/<config stem>``."""
    if cli_work_dir:
        cfg.work_dir = cli_work_dir
    elif cfg.get('work_dir', None) is None:
        stem = osp.splitext(osp.basename(config_path))[0]
        cfg.work_dir = osp.join('./work_dirs', stem)


def set_launcher(cfg: Config, launcher: str,
                 local_rank: Optional[int] = None) -> None:
    """Distributed settings: launcher, LOCAL_RANK, and a CPU setup.

    mmengine 0.10.7 assumes GPUs for distributed runs: its launcher calls
    ``torch.cuda.set_device`` and it gives DDP ``device_ids=[LOCAL_RANK]``.
    Without CUDA the backend becomes gloo, DDP gets ``device_ids=None``
    (the CPU form) and :func:`init_cpu_process_group` starts the process
    group from torchrun's environment before the Runner is built.
    """
    cfg.launcher = launcher
    if local_rank is not None and 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(local_rank)
    if cfg.get('env_cfg') is None:
        cfg.env_cfg = dict()
    if cfg.env_cfg.get('dist_cfg') is None:
        cfg.env_cfg.dist_cfg = dict(backend='nccl')
    if torch.cuda.is_available() or launcher == 'none':
        return
    if launcher != 'pytorch':
        raise ConfigError(f'--launcher {launcher} needs CUDA GPUs here; on '
                          'CPUs launch with torchrun and --launcher pytorch')
    cfg.env_cfg.dist_cfg.backend = 'gloo'
    wrapper = cfg.get('model_wrapper_cfg') or dict(
        type='MMDistributedDataParallel', broadcast_buffers=False,
        find_unused_parameters=cfg.get('find_unused_parameters', False))
    wrapper['device_ids'] = None
    cfg.model_wrapper_cfg = wrapper


def init_cpu_process_group(cfg: Config) -> None:
    """Start a gloo process group for a CPU run under torchrun (env://)."""
    import torch.distributed as dist
    if cfg.get('launcher', 'none') != 'pytorch' or torch.cuda.is_available() \
            or dist.is_initialized():
        return
    dist.init_process_group(backend='gloo')


def set_resume(cfg: Config, resume: Optional[str]) -> None:
    """``None``: no resume; ``'auto'``: the latest checkpoint of the work
    dir that loads (``egohands.engine.resume``; none: start afresh); a
    path: that checkpoint. Call after :func:`set_work_dir`."""
    if resume is None:
        return
    cfg.resume = True
    if resume == 'auto':
        from mmengine.logging import print_log

        from egohands.engine.resume import latest_intact_checkpoint
        work_dir = cfg.get('work_dir', None)
        cfg.load_from = work_dir and latest_intact_checkpoint(
            osp.abspath(work_dir))
        if work_dir and cfg.load_from is None:
            # mmengine would resume from last_checkpoint whatever it holds
            cfg.resume = not osp.exists(osp.join(work_dir, 'last_checkpoint'))
            print_log(f'resume: no checkpoint to resume from in {work_dir}; '
                      'training from the start', logger='current')
    else:
        if not osp.isfile(resume):
            raise ConfigError(f'--resume {resume}: no such checkpoint file')
        cfg.load_from = resume


def set_amp(cfg: Config) -> None:
    """Mixed precision through mmengine's ``AmpOptimWrapper``."""
    if not torch.cuda.is_available():
        raise ConfigError('--amp needs a CUDA GPU (mmengine\'s '
                          'AmpOptimWrapper does not run on the CPU)')
    wrapper = cfg.optim_wrapper.get('type', 'OptimWrapper')
    if wrapper not in ('OptimWrapper', 'AmpOptimWrapper'):
        raise ConfigError(f'--amp: optim_wrapper.type is {wrapper!r}; only '
                          'OptimWrapper can be switched to AmpOptimWrapper')
    cfg.optim_wrapper.type = 'AmpOptimWrapper'
    if cfg.optim_wrapper.get('loss_scale') is None:
        cfg.optim_wrapper.loss_scale = 'dynamic'


def set_test_time_augmentation(cfg: Config, config_path: str) -> None:
    """mmengine's TTA: ``tta_pipeline`` replaces the test pipeline and
    ``tta_model`` wraps the model."""
    missing = [k for k in ('tta_model', 'tta_pipeline')
               if cfg.get(k) is None]
    if missing:
        raise ConfigError(f'--tta: {config_path} defines no '
                          f'{" and no ".join(missing)}; add them to the '
                          'config to use test-time augmentation')
    cfg.test_dataloader.dataset.pipeline = cfg.tta_pipeline
    tta_model = cfg.tta_model
    tta_model.module = cfg.model
    cfg.model = tta_model


def enable_visualization(cfg: Config, show_dir: str,
                         config_path: str) -> None:
    """Turn on the ``visualization`` default hook, writing to show_dir."""
    hook = cfg.get('default_hooks', {}).get('visualization')
    if hook is None:
        raise ConfigError(f'--show-dir: {config_path} has no '
                          'default_hooks.visualization; inherit '
                          'configs/_base_/default_runtime.py or add one')
    hook.enable = True
    hook.out_dir = show_dir


DUMP_FORMATS = ('auto', 'predictions', 'submission')


def add_prediction_dump(cfg: Config, out_file: str, dump_format: str,
                        config_path: str, meta: Dict) -> str:
    """Make the test run write its predictions to ``out_file``.

    ``'predictions'``: every hand with its ground truth, the egohands dump
    format (``PredictionDumpHook``; what ``tools/ensemble.py`` reads).
    ``'submission'``: the benchmark's own file, written by the metric the
    config declares as ``dump_writer`` (e.g. the EgoExo4D challenge JSON).
    ``'auto'``: the submission when the config declares a ``dump_writer``,
    otherwise the predictions.

    Returns:
        str: the format used.
    """
    from egohands.evaluation.prediction_dump import check_dump_path
    if dump_format not in DUMP_FORMATS:
        raise ConfigError(f'--dump-format must be one of {DUMP_FORMATS}, '
                          f'got {dump_format!r}')
    writer = cfg.get('dump_writer', None)
    if dump_format == 'auto':
        dump_format = 'submission' if writer else 'predictions'
    if dump_format == 'submission':
        if not writer:
            raise ConfigError(f'--dump-format submission: {config_path} '
                              'declares no dump_writer (the metric that '
                              'writes the benchmark file)')
        evaluators = cfg.test_evaluator
        if not isinstance(evaluators, (list, tuple)):
            evaluators = [evaluators]
        cfg.test_evaluator = list(evaluators) + [dict(writer,
                                                      out_file=out_file)]
        return dump_format
    check_dump_path(out_file)
    cfg.custom_hooks = list(cfg.get('custom_hooks', None) or []) + [
        dict(type='PredictionDumpHook', out_file=out_file, meta=meta)]
    return dump_format


def finish_distributed() -> None:
    """Wait for every rank, then close the process group.

    Without this, a gloo rank that exits first can abort in its C++
    teardown ("terminate called without an active exception").
    """
    import torch.distributed as dist
    if dist.is_available() and dist.is_initialized():
        dist.barrier()
        dist.destroy_process_group()


def add_training_guards(cfg: Config) -> None:
    """Add ``NonFiniteGuardHook`` (stop at a NaN loss, never save NaN
    weights) to ``custom_hooks`` unless the config has it already."""
    hooks = list(cfg.get('custom_hooks', None) or [])
    if not any(h.get('type') == 'NonFiniteGuardHook' for h in hooks):
        hooks.append(dict(type='NonFiniteGuardHook'))
    cfg.custom_hooks = hooks


def is_first_rank() -> bool:
    """True outside distributed runs and on rank 0 (torchrun's RANK)."""
    return os.environ.get('RANK', '0') in ('', '0')


def build_runner(cfg: Config, runner_class=None):
    """``runner_class.from_cfg`` (default: mmengine's ``Runner``), or the
    registered runner of ``runner_type`` when the config names one."""
    from mmengine.registry import RUNNERS
    from mmengine.runner import Runner
    init_cpu_process_group(cfg)
    if 'runner_type' in cfg:
        return RUNNERS.build(cfg)
    return (runner_class or Runner).from_cfg(cfg)
