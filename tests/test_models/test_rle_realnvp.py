"""RealNVP: invertibility, log-determinant, and that it is a density."""
import math

import pytest
import torch
from torch.autograd.functional import jacobian

from egohands.models.losses.realnvp import RealNVP, alternating_masks


def _random_flow(dim, seed=0, scale=0.4):
    """A flow far from the identity (the default init is near-identity)."""
    torch.manual_seed(seed)
    flow = RealNVP(dim=dim, num_couplings=4, hidden_dim=16).double()
    with torch.no_grad():
        for param in flow.parameters():
            param.normal_(0.0, scale)
    return flow


def test_masks_alternate_and_cover_every_coordinate():
    masks = alternating_masks(3, 4)
    assert masks.tolist() == [[0, 1, 0], [1, 0, 1], [0, 1, 0], [1, 0, 1]]
    assert torch.all((1 - masks[0]) + (1 - masks[1]) == 1)


@pytest.mark.parametrize('dim', [1, 2, 3])
def test_inverse_undoes_forward(dim):
    flow = _random_flow(dim)
    x = torch.randn(50, dim, dtype=torch.float64) * 2
    z, _ = flow.inverse(x)
    torch.testing.assert_close(flow(z), x)
    assert not torch.allclose(z, x)  # the flow does something


@pytest.mark.parametrize('dim', [2, 3])
def test_log_det_matches_autograd_jacobian(dim):
    flow = _random_flow(dim, seed=3)
    points = torch.randn(5, dim, dtype=torch.float64) * 1.5
    for point in points:
        jac = jacobian(lambda x: flow.inverse(x[None])[0][0], point)
        _, log_det = flow.inverse(point[None])
        expected = torch.linalg.slogdet(jac).logabsdet
        assert log_det.item() == pytest.approx(expected.item(), abs=1e-9)


def _grid_mass(flow, dim, half_width, steps):
    axis = torch.linspace(-half_width, half_width, steps, dtype=torch.float64)
    cell = (axis[1] - axis[0]).item()**dim
    grids = torch.meshgrid(*([axis] * dim), indexing='ij')
    points = torch.stack([g.reshape(-1) for g in grids], dim=-1)
    with torch.no_grad():
        return (flow.log_prob(points).exp().sum() * cell).item()


@pytest.mark.parametrize('dim,half_width,steps', [(1, 12.0, 2001),
                                                  (2, 12.0, 481)])
def test_density_integrates_to_one(dim, half_width, steps):
    flow = _random_flow(dim, seed=1, scale=0.3)
    assert _grid_mass(flow, dim, half_width, steps) == pytest.approx(
        1.0, abs=5e-3)


def test_untrained_flow_is_the_standard_normal():
    flow = RealNVP(dim=3)
    x = torch.randn(10, 3)
    normal = -0.5 * (x**2).sum(-1) - 1.5 * math.log(2 * math.pi)
    torch.testing.assert_close(flow.log_prob(x), normal, atol=1e-3,
                               rtol=1e-3)


def test_flow_learns_a_non_gaussian_density():
    torch.manual_seed(0)
    # Laplace samples with unit std: heavier tails than the base normal
    data = torch.distributions.Laplace(0.0, 1 / math.sqrt(2)).sample((2000,
                                                                      2))
    flow = RealNVP(dim=2, num_couplings=4, hidden_dim=32)
    optimizer = torch.optim.Adam(flow.parameters(), lr=1e-2)
    before = -flow.log_prob(data).mean().item()
    for _ in range(150):
        optimizer.zero_grad()
        loss = -flow.log_prob(data).mean()
        loss.backward()
        optimizer.step()
    after = -flow.log_prob(data).mean().item()
    # entropy of the unit-std Laplace, per coordinate: 1 + log(2b)
    laplace_entropy = 2 * (1 + math.log(2 / math.sqrt(2)))
    assert after < before - 0.05
    assert after == pytest.approx(laplace_entropy, abs=0.1)
