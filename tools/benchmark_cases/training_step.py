"""``step``: one training step through ``model.train_step`` against a bare
PyTorch loop on the same modules, the same batch and the same optimizer.

egohands' step is mmengine's: the data preprocessor (device move, BGR->RGB,
normalisation, stacking), the head's losses, ``parse_losses`` and the optim
wrapper (backward, gradient clipping, step, zero_grad). The bare step does
the same arithmetic in plain PyTorch: one batched normalisation, backbone,
the head's ``loss``, the sum of the ``loss*`` terms, ``backward``,
``clip_grad_norm_``, ``optimizer.step``, ``zero_grad``. Before timing, both
run once from the same weights and optimizer state: their losses and the
updated weights must agree.
"""
import copy
import time
from typing import Callable, Dict, Tuple

import torch


def build_demo_training(cfg, dataset, batch_size: int):
    """(model in train mode with target statistics, optim wrapper, batch
    of ``batch_size`` packed samples as the default collate gives it)."""
    from mmengine.dataset import pseudo_collate
    from mmengine.optim import build_optim_wrapper

    from egohands.codecs import stats_from_dataset
    from egohands.registry import MODELS
    model = MODELS.build(cfg.model)
    for module in model.modules():
        if hasattr(module, 'set_statistics'):
            module.set_statistics(stats_from_dataset(dataset))
    model.train()
    optim = build_optim_wrapper(model, cfg.optim_wrapper)
    batch = pseudo_collate([dataset[i % len(dataset)]
                            for i in range(batch_size)])
    return model, optim, batch


def bare_step_fn(model, optim, batch, preprocessor_cfg: Dict) -> Callable:
    """A closure running one plain-PyTorch step; returns its total loss."""
    optimizer = optim.optimizer
    params = [p for group in optimizer.param_groups for p in group['params']]
    max_norm = (optim.clip_grad_kwargs or {}).get('max_norm')
    mean = torch.tensor(preprocessor_cfg['mean']).view(1, -1, 1, 1)
    std = torch.tensor(preprocessor_cfg['std']).view(1, -1, 1, 1)
    channels = [2, 1, 0] if preprocessor_cfg.get('bgr_to_rgb') else [0, 1, 2]
    samples = batch['data_samples']

    def step() -> float:
        images = torch.stack(batch['inputs'])[:, channels].float()
        features = model.backbone((images - mean) / std)
        losses = model.head.loss(features, samples, model.train_cfg)
        loss = sum(value.mean() for key, value in losses.items()
                   if 'loss' in key)
        loss.backward()
        if max_norm is not None:
            torch.nn.utils.clip_grad_norm_(params, max_norm)
        optimizer.step()
        optimizer.zero_grad()
        return float(loss.detach())
    return step


def compare_one_step(model, optim, egohands_step: Callable,
                     bare_step: Callable) -> Tuple[float, float, float]:
    """Run each step once from the same state; (egohands loss, bare loss,
    largest difference of the updated weights). The state is restored
    after each run."""
    model_state = copy.deepcopy(model.state_dict())
    optim_state = copy.deepcopy(optim.state_dict())
    results = []
    for step in (egohands_step, bare_step):
        torch.manual_seed(0)
        loss = step()
        results.append((loss, {k: v.detach().clone()
                               for k, v in model.state_dict().items()}))
        model.load_state_dict(model_state)
        optim.load_state_dict(copy.deepcopy(optim_state))
    (ours, weights), (bare, bare_weights) = results
    weight_diff = max(float((weights[k].float() - bare_weights[k].float()
                             ).abs().max()) for k in weights)
    return ours, bare, weight_diff


def step_phases(model, optim, batch, repeats: int) -> Dict[str, float]:
    """Median CPU seconds of the phases of egohands' step (for the profile
    line): data preprocessor, forward and losses, parse_losses, update."""
    names = ('data_preprocessor', 'forward_loss', 'parse_losses',
             'update_params')
    times = {name: [] for name in names}
    for _ in range(repeats):
        clock = [time.process_time()]
        data = model.data_preprocessor(batch, True)
        clock.append(time.process_time())
        losses = model._run_forward(data, mode='loss')
        clock.append(time.process_time())
        loss, _ = model.parse_losses(losses)
        clock.append(time.process_time())
        optim.update_params(loss)
        clock.append(time.process_time())
        for index, name in enumerate(names):
            times[name].append(clock[index + 1] - clock[index])
    return {name: sorted(t)[len(t) // 2] for name, t in times.items()}
