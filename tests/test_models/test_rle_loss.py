"""RLELoss: closed-form NLL without the flow, masking, flow term, training."""
import math

import pytest
import torch
from scipy import stats

from egohands.models.losses.rle_loss import RLELoss
from egohands.registry import MODELS
from egohands.utils.errors import ConfigError


def _case():
    mu = torch.tensor([[[1.0, 0.0, -2.0], [0.5, 0.5, 0.5]]])
    sigma = torch.tensor([[[2.0, 0.5, 1.0], [1.0, 1.0, 1.0]]])
    target = torch.tensor([[[4.0, 0.25, -2.5], [9.0, 9.0, 9.0]]])
    valid = torch.tensor([[1.0, 0.0]])  # the second joint is masked out
    return mu, sigma, target, valid


def test_gaussian_without_flow_is_the_gaussian_nll():
    mu, sigma, target, valid = _case()
    loss = RLELoss(q_distribution='gaussian', use_flow=False)
    value = loss(mu, sigma, target, valid).item()
    # hand-worked first coordinate: r = 1.5 -> 1.125 + log(2) + log(2 pi)/2
    first = 0.5 * 1.5**2 + math.log(2.0) + 0.5 * math.log(2 * math.pi)
    assert first == pytest.approx(
        -stats.norm(loc=1.0, scale=2.0).logpdf(4.0))
    expected = -sum(
        stats.norm(loc=m, scale=s).logpdf(t)
        for m, s, t in zip(mu[0, 0].tolist(), sigma[0, 0].tolist(),
                           target[0, 0].tolist()))
    assert value == pytest.approx(expected, rel=1e-5)


def test_laplace_without_flow_is_the_laplace_nll_with_std_sigma():
    mu, sigma, target, valid = _case()
    loss = RLELoss(q_distribution='laplace', use_flow=False)
    value = loss(mu, sigma, target, valid).item()
    # hand-worked first coordinate: std 2 -> scale b = sqrt(2), |x| = 3:
    # log(2 b) + 3 / b
    first = math.log(2 * math.sqrt(2)) + 3 / math.sqrt(2)
    assert first == pytest.approx(
        -stats.laplace(loc=1.0, scale=math.sqrt(2)).logpdf(4.0))
    expected = -sum(
        stats.laplace(loc=m, scale=s / math.sqrt(2)).logpdf(t)
        for m, s, t in zip(mu[0, 0].tolist(), sigma[0, 0].tolist(),
                           target[0, 0].tolist()))
    assert value == pytest.approx(expected, rel=1e-5)


def test_masked_mean_over_valid_joints():
    mu, sigma, target, _ = _case()
    loss = RLELoss(q_distribution='gaussian', use_flow=False, loss_weight=2.0)
    per_joint = loss.joint_nll(mu, sigma, target)
    both = loss(mu, sigma, target, torch.ones(1, 2)).item()
    assert both == pytest.approx(2.0 * per_joint.mean().item(), rel=1e-6)
    none_valid = loss(mu, sigma, target, torch.zeros(1, 2))
    assert none_valid.item() == 0.0


def test_flow_term_adds_the_flow_nll_of_the_residual():
    mu, sigma, target, valid = _case()
    with_flow = RLELoss(q_distribution='laplace', use_flow=True)
    without = RLELoss(q_distribution='laplace', use_flow=False)
    residual = (target - mu) / sigma
    flow_nll = (-with_flow.flow.log_prob(residual) +
                torch.log(sigma).sum(-1))[0, 0]
    assert with_flow(mu, sigma, target, valid).item() == pytest.approx(
        without(mu, sigma, target, valid).item() + flow_nll.item(), rel=1e-5)
    assert sum(p.numel() for p in with_flow.parameters()) > 0
    assert sum(p.numel() for p in without.parameters()) == 0


def test_registered_and_validated():
    assert isinstance(MODELS.build(dict(type='RLELoss', use_flow=False)),
                      RLELoss)
    with pytest.raises(ConfigError, match='q_distribution'):
        RLELoss(q_distribution='cauchy')


@pytest.mark.parametrize('use_flow', [False, True])
@pytest.mark.parametrize('q_distribution', ['laplace', 'gaussian'])
def test_sigma_learns_the_error_scale(use_flow, q_distribution):
    """Fitting mu and sigma to noisy targets: the loss decreases, mu finds
    the centre and sigma the spread of the errors."""
    torch.manual_seed(0)
    target = torch.tensor([0.5, -1.0, 2.0]) + 0.3 * torch.randn(256, 1, 3)
    mu = torch.zeros(1, 1, 3, requires_grad=True)
    sigma_logit = torch.zeros(1, 1, 3, requires_grad=True)
    loss_module = RLELoss(q_distribution=q_distribution, use_flow=use_flow)
    params = [mu, sigma_logit] + list(loss_module.parameters())
    optimizer = torch.optim.Adam(params, lr=0.05)
    losses = []
    for _ in range(150):
        optimizer.zero_grad()
        sigma = torch.nn.functional.softplus(sigma_logit)
        loss = loss_module(mu.expand(256, 1, 3), sigma.expand(256, 1, 3),
                           target)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[-1] < losses[0] - 1.0
    centre = torch.tensor([0.5, -1.0, 2.0])
    error = (mu.detach()[0, 0] - centre).abs()
    if use_flow:  # the flow may absorb part of the offset: mu is less tied
        assert error.mean() < 0.5 * centre.abs().mean()
    else:  # the NLL optimum: mu at the centre, sigma at the error std 0.3
        assert torch.all(error < 0.08)
        sigma = torch.nn.functional.softplus(sigma_logit).detach()
        assert torch.all((sigma > 0.2) & (sigma < 0.42))
