"""Random weight search, metrics of dump records, the weights file."""
import numpy as np
import pytest

from egohands.postprocess.ensemble import (WeightedJointEnsemble,
                                           stack_members)
from egohands.postprocess.ensemble_search import (dump_metrics,
                                                  format_metric_table,
                                                  load_weights, save_weights,
                                                  search_weights)
from egohands.utils.errors import ConfigError


def _member_metrics(members):
    return [dump_metrics(member) for member in members]


def test_dump_metrics_against_a_loop(make_members):
    """Root-relative MPJPE: per hand over its visible joints, then over
    hands, written as plain loops."""
    member = make_members([5.0], num_hands=6)[0]
    per_hand = []
    for record in member:
        pred = record['pred_joints_3d'].astype(float)
        gt = record['gt_joints_3d'].astype(float)
        errors = [np.linalg.norm((pred[k] - pred[0]) - (gt[k] - gt[0]))
                  for k in range(21) if record['gt_joints_valid'][k] > 0]
        if errors:
            per_hand.append(sum(errors) / len(errors))
    metrics = dump_metrics(member)
    assert metrics['mpjpe'] == pytest.approx(np.mean(per_hand), rel=1e-9)
    assert {'pa_mpjpe', 'pck_auc'} <= set(metrics)
    assert 'mpjpe_abs' not in metrics  # the member is wrist-relative
    member[0]['gt_joints_3d'] = None
    assert dump_metrics(member) == {}


def test_one_hot_weights_reproduce_a_member_exactly(make_members):
    members = make_members([4.0, 9.0], absolute=True)
    expected = _member_metrics(members)
    assert 'mpjpe_abs' in expected[0]
    for index, weights in enumerate(([1.0, 0.0], [0.0, 1.0])):
        records = WeightedJointEnsemble(weights)(members)
        assert dump_metrics(records) == expected[index]


@pytest.mark.parametrize('metric', ['pa_mpjpe', 'mpjpe', 'pck_auc'])
@pytest.mark.parametrize('granularity', ['model', 'joint'])
def test_search_is_never_worse_than_the_best_member(make_members, metric,
                                                    granularity):
    # member 2 is so bad that mixing rarely helps: the one-hot candidate
    # of member 0 must still be found
    members = make_members([3.0, 6.0, 60.0], num_hands=30, seed=3)
    stacked = stack_members(members)
    result = search_weights(stacked, 'mean', metric, num_candidates=15,
                            granularity=granularity, seed=1)
    alone = [m[metric] for m in _member_metrics(members)]
    np.testing.assert_allclose(result.member_scores, alone, rtol=1e-12)
    if metric == 'pck_auc':
        assert result.score >= max(alone)
    else:
        assert result.score <= min(alone)
    records = WeightedJointEnsemble(result.weights)(members)
    assert dump_metrics(records)[metric] == pytest.approx(result.score,
                                                          rel=1e-6)
    np.testing.assert_allclose(result.weights.sum(axis=0), 1.0)


def test_search_beats_members_with_independent_errors(make_members):
    members = make_members([5.0, 5.0], num_hands=40, seed=4)
    result = search_weights(stack_members(members), num_candidates=20)
    assert result.score < 0.9 * min(result.member_scores)
    # equal noise: the best weights are near equal
    assert abs(result.weights[0, 0] - 0.5) < 0.2


def test_joint_search_uses_each_member_where_it_is_good(make_members):
    """Member a is precise on the index to pinky joints, member b on the
    thumb; the wrist is exact in both (root alignment)."""
    good, bad = 2.0, 25.0
    noise_a = np.full(21, good)
    noise_a[1:5] = bad
    noise_b = np.full(21, bad)
    noise_b[1:5] = good
    noise_a[0] = noise_b[0] = 0.0
    members = make_members([noise_a, noise_b], num_hands=40, seed=5)
    stacked = stack_members(members)
    per_model = search_weights(stacked, metric='mpjpe', num_candidates=20)
    per_joint = search_weights(stacked, metric='mpjpe', num_candidates=20,
                               granularity='joint')
    assert per_joint.score < 0.8 * per_model.score
    assert np.all(per_joint.weights[1, 1:5] > 0.7)
    assert np.all(per_joint.weights[0, 5:] > 0.7)


def test_search_is_deterministic_for_a_seed(make_members):
    stacked = stack_members(make_members([4.0, 5.0, 6.0], num_hands=20))
    runs = [search_weights(stacked, num_candidates=10, granularity='joint',
                           seed=seed) for seed in (7, 7, 8)]
    np.testing.assert_array_equal(runs[0].weights, runs[1].weights)
    assert not np.array_equal(runs[0].weights, runs[2].weights)
    # one-hot members + uniform + draws, then per joint: members + draws
    assert runs[0].num_evaluated == 3 + 1 + 10 + 21 * (3 + 10)


def test_search_refusals(make_members):
    members = make_members([4.0, 5.0])
    stacked = stack_members(members)
    with pytest.raises(ConfigError, match='absolute'):
        search_weights(stacked, metric='mpjpe_abs')
    with pytest.raises(ConfigError, match='--metric'):
        search_weights(stacked, metric='auc')
    for member in members:
        member[3]['gt_joints_3d'] = None
    with pytest.raises(ConfigError, match='no ground truth'):
        search_weights(stack_members(members))


def test_weights_file_round_trip(tmp_path, make_members):
    weights = np.random.default_rng(0).random((2, 21))
    path = str(tmp_path / 'w' / 'weights.json')
    save_weights(path, weights, 'procrustes', dict(metric='pa_mpjpe'))
    loaded = load_weights(path, 2)
    np.testing.assert_allclose(loaded['weights'],
                               weights / weights.sum(axis=0))
    assert loaded['mode'] == 'procrustes' and loaded['metric'] == 'pa_mpjpe'
    with pytest.raises(ConfigError, match='3 dumps'):
        load_weights(path, 3)
    (tmp_path / 'bad.json').write_text('{"weights": [1, 2]}')
    with pytest.raises(ConfigError, match='not an egohands'):
        load_weights(str(tmp_path / 'bad.json'), 2)


def test_metric_table_lists_rows_and_missing_cells():
    table = format_metric_table({'a': dict(mpjpe=1.0, pa_mpjpe=2.0),
                                 'ensemble': dict(mpjpe=0.5)})
    lines = table.splitlines()
    assert lines[0].split() == ['model', 'mpjpe', 'pa_mpjpe']
    assert lines[2].split() == ['a', '1.0000', '2.0000']
    assert lines[3].split() == ['ensemble', '0.5000', '-']
