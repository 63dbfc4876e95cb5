"""tools/ensemble.py: on written dumps in-process, and end to end on two
real ``tools/test.py --dump`` runs (slow)."""
import json

import numpy as np
import pytest

from egohands.apis.cli import run_cli
from egohands.evaluation.prediction_dump import (load_prediction_dump,
                                                 write_prediction_dump)
from egohands.postprocess.ensemble_search import dump_metrics
from tool_loader import load_tool


@pytest.fixture(scope='module')
def ensemble_main(repo_root):
    return load_tool('ensemble').main


def _write(tmp_path, name, records):
    path = str(tmp_path / name)
    write_prediction_dump(path, records, dict(config=name, checkpoint='-'))
    return path


@pytest.fixture
def val_and_test_dumps(tmp_path, make_members):
    val = make_members([4.0, 6.0], num_hands=30, seed=10)
    test = make_members([4.0, 6.0], num_hands=24, seed=11)
    return ([_write(tmp_path, f'{m}_val.json', r)
             for m, r in zip('ab', val)],
            [_write(tmp_path, f'{m}_test.npz', r)
             for m, r in zip('ab', test)])


def test_search_on_val_then_apply_to_test(tmp_path, ensemble_main,
                                          val_and_test_dumps, capsys):
    val, test = val_and_test_dumps
    out, weights, tables = (str(tmp_path / name) for name in
                            ('ens.json', 'w.json', 'metrics.json'))
    assert ensemble_main(test + ['--val'] + val + [
        '--search', '10', '--granularity', 'joint', '--out', out,
        '--save-weights', weights, '--metrics-out', tables]) == 0
    printed = capsys.readouterr().out
    assert 'validation (--val) (30 hands)' in printed
    assert 'given dumps (24 hands)' in printed
    tables = json.loads(open(tables).read())
    val_rows, test_rows = tables['val'], tables['dumps']
    assert set(val_rows) == {'a_val', 'b_val', 'ensemble'}
    assert set(test_rows) == {'a_test', 'b_test', 'ensemble'}
    assert val_rows['ensemble']['pa_mpjpe'] <= min(
        val_rows['a_val']['pa_mpjpe'], val_rows['b_val']['pa_mpjpe'])
    # the written ensemble evaluates to the reported row
    written = load_prediction_dump(out)
    assert written['meta']['ensemble']['mode'] == 'mean'
    assert dump_metrics(written['predictions']) == pytest.approx(
        test_rows['ensemble'], rel=1e-6)
    # the saved weights re-applied give the same predictions
    again = str(tmp_path / 'again.json')
    assert ensemble_main(test + ['--weights-file', weights, '--out',
                                 again]) == 0
    for first, second in zip(written['predictions'],
                             load_prediction_dump(again)['predictions']):
        np.testing.assert_array_equal(first['pred_joints_3d'],
                                      second['pred_joints_3d'])


def test_weights_one_and_zero_reproduce_the_member(tmp_path, ensemble_main,
                                                   val_and_test_dumps):
    _, test = val_and_test_dumps
    tables = tmp_path / 'metrics.json'
    assert ensemble_main(test + ['--weights', '0', '1', '--metrics-out',
                                 str(tables)]) == 0
    rows = json.loads(tables.read_text())['dumps']
    assert rows['ensemble'] == rows['b_test']
    assert rows['b_test'] == dump_metrics(
        load_prediction_dump(test[1])['predictions'])


def test_user_mistakes_are_one_line(tmp_path, ensemble_main,
                                    val_and_test_dumps, make_members,
                                    capsys):
    val, test = val_and_test_dumps
    cases = [
        (test + [str(tmp_path / 'missing.json')], 'missing.json does not '
         'exist'),
        (test + ['--val', val[0], '--search', '3'], '--val: 1 dumps for 2'),
        (test + ['--val'] + val, 'add --search'),
        ([test[0], val[1]], 'do not hold the same hands'),
        (test + ['--weights', '1', '2', '3'], 'one per member (2)'),
        (test + ['--out', str(tmp_path / 'out.txt')], 'must end in'),
    ]
    for argv, message in cases:
        assert run_cli(ensemble_main, argv) == 2
        err = capsys.readouterr().err
        assert err.startswith('error: ') and message in err, err
        assert err.count('\n') == 1


def _test_dump(run_python, tiny_config, toy_data_root, checkpoint, dump,
               work_dir):
    result = run_python(['tools/test.py', tiny_config, checkpoint,
                         '--work-dir', work_dir, '--dump', dump,
                         '--cfg-options', f'data_root={toy_data_root}'])
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads((work_dir / 'metrics.json').read_text())


@pytest.mark.slow
def test_end_to_end_on_two_real_test_runs(tmp_path, tiny_config,
                                          toy_data_root, run_python,
                                          ensemble_main):
    """Two checkpoints of one tiny training run are the two models; the
    search runs the command line, the one-hot check its main in-process."""
    work_dir = tmp_path / 'work'
    train = run_python(['tools/train.py', tiny_config, '--work-dir',
                        work_dir, '--cfg-options',
                        f'data_root={toy_data_root}',
                        'train_cfg.max_epochs=2', 'train_cfg.val_interval=5'])
    assert train.returncode == 0, train.stderr[-3000:]
    dumps, reported = [], []
    for epoch in (1, 2):
        dumps.append(tmp_path / f'epoch{epoch}.npz')
        reported.append(_test_dump(run_python, tiny_config, toy_data_root,
                                   work_dir / f'epoch_{epoch}.pth',
                                   dumps[-1], tmp_path / f'test{epoch}'))
    tables = tmp_path / 'tables.json'
    assert ensemble_main([str(d) for d in dumps] + [
        '--weights', '1', '0', '--metrics-out', str(tables)]) == 0
    rows = json.loads(tables.read_text())['dumps']
    for name, metrics in zip(('epoch1', 'epoch2'), reported):
        # the tool's numbers are tools/test.py's numbers
        assert rows[name] == pytest.approx(metrics, rel=1e-6)
    assert rows['ensemble'] == rows['epoch1']
    out = tmp_path / 'ensemble.json'
    search = run_python(['tools/ensemble.py'] + dumps + [
        '--search', '20', '--metrics-out', tables, '--out', out])
    assert search.returncode == 0, search.stderr[-3000:]
    assert 'optimistic' in search.stderr
    assert 'ensemble' in search.stdout and 'epoch1' in search.stdout
    rows = json.loads(tables.read_text())['dumps']
    assert rows['ensemble']['pa_mpjpe'] <= min(rows['epoch1']['pa_mpjpe'],
                                               rows['epoch2']['pa_mpjpe'])
    assert len(load_prediction_dump(str(out))['predictions']) == len(
        load_prediction_dump(str(dumps[0]))['predictions'])
