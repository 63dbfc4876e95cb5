"""Ensemble the dumped predictions of several models (per-joint weights).

    python tools/ensemble.py DUMP [DUMP ...] [--names A B ...]
        [--mode mean|procrustes]
        [--weights W [W ...] | --weights-file FILE.json |
         --search N [--val VAL_DUMP [VAL_DUMP ...]]
         [--granularity model|joint] [--metric pa_mpjpe] [--seed 0]
         [--save-weights FILE.json]]
        [--out FILE.npz|FILE.json] [--metrics-out FILE.json]
        [--trust-pickle]

DUMPs are ``tools/test.py --dump`` files of the models on the split to
combine (e.g. test), one per model; ``--val`` gives the same models' dumps
on a validation split, in the same order. The two-split workflow::

    python tools/test.py CFG_A CKPT_A --dump a_val.json \
        --cfg-options test_dataloader.dataset.ann_file=annotations/val.json
    ... (b_val.json, a_test.json, b_test.json likewise)
    python tools/ensemble.py a_test.json b_test.json \
        --val a_val.json b_val.json --search 200 --out ens_test.json

searches weights on the validation dumps, applies them to the test dumps
and prints the metrics of every member and of the ensemble on both splits
(the test table only when the test dumps hold ground truth). ``--search``
without ``--val`` tunes on the very dumps it reports (optimistic numbers, a
warning says so). ``--save-weights`` / ``--weights-file`` keep and re-apply
searched weights. Without weights the members count equally.

``--mode procrustes`` aligns every member to the first one before averaging
(similarity fit per hand); the ensemble is then in the first member's frame,
so put first the model whose absolute placement you want (HaMeR-align, or
POTTER with the ground-truth wrist offset). In that mode weights (0, 1) give
the second member *aligned to the first*: its PA-MPJPE, not its MPJPE. In
``mean`` mode one-hot weights reproduce a member's metrics exactly. Details:
``egohands.postprocess.ensemble`` and ``ensemble_search``. Dumps are
``.npz`` / ``.json`` files (``egohands.evaluation.prediction_dump``); old
pickled dumps are read only with ``--trust-pickle``.
"""
import argparse
import json
import os
import os.path as osp
import sys
from typing import Dict, List, Optional


def parse_args(argv: List[str]) -> argparse.Namespace:
    from egohands.apis.cli import add_debug_argument, add_trust_pickle_argument
    parser = argparse.ArgumentParser(
        description='Per-joint weighted ensemble of prediction dumps')
    parser.add_argument('dumps', nargs='+', metavar='DUMP',
                        help='tools/test.py --dump files, one per model')
    parser.add_argument('--names', nargs='+',
                        help='member names in the tables (default: file '
                        'names)')
    parser.add_argument('--mode', choices=['mean', 'procrustes'],
                        help='mean (same frames) or procrustes (align to '
                        'the first member); default: the weights file\'s '
                        'mode, else mean')
    weights = parser.add_mutually_exclusive_group()
    weights.add_argument('--weights', nargs='+', type=float,
                         help='one weight per model (normalised)')
    weights.add_argument('--weights-file', metavar='FILE',
                         help='weights saved by --save-weights')
    weights.add_argument('--search', type=int, metavar='N',
                         help='random search with N Dirichlet candidates per '
                         'stage')
    parser.add_argument('--val', nargs='+', metavar='VAL_DUMP',
                        help='the same models\' dumps on a validation split '
                        '(with --search)')
    parser.add_argument('--granularity', choices=['model', 'joint'],
                        default='model', help='one weight per model, or per '
                        'model and joint')
    parser.add_argument('--metric', default='pa_mpjpe',
                        choices=['mpjpe', 'pa_mpjpe', 'mpjpe_abs',
                                 'pck_auc'],
                        help='what the search optimises')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--rounds', type=int, default=1,
                        help='passes over the joints (--granularity joint)')
    parser.add_argument('--save-weights', metavar='FILE',
                        help='write the weights used as JSON')
    parser.add_argument('--out', metavar='FILE',
                        help='write the ensemble as a dump (.npz/.json)')
    parser.add_argument('--metrics-out', metavar='FILE',
                        help='write all metric tables as JSON')
    add_trust_pickle_argument(
        parser, help='read old pickled dumps (.pkl) you trust')
    add_debug_argument(parser)
    return parser.parse_args(argv)


def _load_members(paths: List[str], names: List[str], trust_pickle: bool):
    from egohands.evaluation.prediction_dump import load_prediction_dump
    from egohands.postprocess.ensemble import stack_members
    from egohands.utils.errors import ConfigError
    members = []
    for path in paths:
        if not osp.isfile(path):
            raise ConfigError(f'dump {path} does not exist; write it with '
                              'tools/test.py CONFIG CHECKPOINT --dump FILE')
        members.append(load_prediction_dump(
            path, trust_pickle or None)['predictions'])
    return stack_members(members, names)


def _report(title: str, stacked, ensemble_records, names: List[str]
            ) -> Dict[str, Dict[str, float]]:
    from egohands.postprocess.ensemble import ensemble_records as rebuild
    from egohands.postprocess.ensemble_search import (dump_metrics,
                                                      format_metric_table)
    rows = {}
    for index, name in enumerate(names):
        rows[name] = dump_metrics(rebuild(
            stacked, stacked.joints[index], stacked.absolute[index],
            None if stacked.keypoints_2d is None else
            stacked.keypoints_2d[index]))
    rows['ensemble'] = dump_metrics(ensemble_records)
    count = len(stacked.records)
    if not rows['ensemble']:
        print(f'{title} ({count} hands): no ground truth, no metrics')
        return {}
    print(f'{title} ({count} hands)')
    print(format_metric_table(rows))
    return rows


def _check_names(names: Optional[List[str]], paths: List[str]) -> List[str]:
    from egohands.utils.errors import ConfigError
    if names is None:
        return [osp.splitext(osp.basename(p))[0] for p in paths]
    if len(names) != len(paths) or 'ensemble' in names:
        raise ConfigError(f'--names: give {len(paths)} names, one per dump, '
                          "none of them 'ensemble'")
    return names


def _searched_weights(args, stacked, names: List[str], mode: str,
                      tables: Dict) -> tuple:
    """Random search on ``--val`` (else on the given dumps); prints the
    search summary and, with ``--val``, the validation table."""
    from egohands.postprocess.ensemble import WeightedJointEnsemble
    from egohands.postprocess.ensemble_search import search_weights
    search_set, search_names = stacked, names
    if args.val:
        search_names = names if args.names else _check_names(None, args.val)
        search_set = _load_members(args.val, search_names,
                                   args.trust_pickle)
    else:
        print('warning: --search without --val tunes the weights on the '
              'dumps it reports; their ensemble metrics are optimistic',
              file=sys.stderr)
    result = search_weights(search_set, mode, args.metric, args.search,
                            args.granularity, args.seed, args.rounds)
    print(f'search: {result.num_evaluated} candidates, best {args.metric} '
          f'{result.score:.4f} (members alone: ' + ', '.join(
              f'{n} {s:.4f}' for n, s in zip(search_names,
                                              result.member_scores)) + ')')
    if args.val:
        records = WeightedJointEnsemble(result.weights,
                                        mode).combine(search_set)
        tables['val'] = _report('validation (--val)', search_set, records,
                                search_names)
    info = dict(search_dumps=list(args.val or args.dumps),
                metric=args.metric, granularity=args.granularity,
                seed=args.seed, candidates=args.search,
                search_score=result.score,
                member_scores=result.member_scores)
    return result.weights, info


def _chosen_weights(args, stacked, names: List[str], tables: Dict) -> tuple:
    """``(weights or None, mode, info)`` from --weights, --weights-file or
    --search (none of them: uniform)."""
    from egohands.postprocess.ensemble_search import load_weights
    from egohands.utils.errors import ConfigError
    mode = args.mode or 'mean'
    info: Dict = dict(members=list(args.dumps))
    if args.weights is not None:
        return args.weights, mode, info
    if args.weights_file:
        saved = load_weights(args.weights_file, len(args.dumps))
        saved_mode = saved.get('mode', mode)
        if args.mode and args.mode != saved_mode:
            raise ConfigError(
                f'--weights-file {args.weights_file} was searched in mode '
                f'{saved_mode!r}; pass --mode {saved_mode} or search again')
        info.update(weights_file=args.weights_file)
        return saved['weights'], args.mode or saved_mode, info
    if args.search is not None:
        weights, search_info = _searched_weights(args, stacked, names, mode,
                                                 tables)
        info.update(search_info)
        return weights, mode, info
    return None, mode, info


def _check_args(args) -> None:
    from egohands.evaluation.prediction_dump import check_dump_path
    from egohands.utils.errors import ConfigError
    if args.out:
        check_dump_path(args.out)
    if args.val and args.search is None:
        raise ConfigError('--val gives the dumps the weights are searched '
                          'on: add --search N')
    if args.val and len(args.val) != len(args.dumps):
        raise ConfigError(f'--val: {len(args.val)} dumps for '
                          f'{len(args.dumps)} models; give one per model, in '
                          'the same order')


def main(argv: List[str]) -> int:
    args = parse_args(argv)
    from egohands.evaluation.prediction_dump import write_prediction_dump
    from egohands.postprocess.ensemble import (WeightedJointEnsemble,
                                               normalise_weights)
    from egohands.postprocess.ensemble_search import save_weights

    _check_args(args)
    names = _check_names(args.names, args.dumps)
    stacked = _load_members(args.dumps, names, args.trust_pickle)
    tables: Dict[str, Dict] = {}
    weights, mode, info = _chosen_weights(args, stacked, names, tables)
    weights = normalise_weights(weights, len(names), stacked.joints.shape[2])
    records = WeightedJointEnsemble(weights, mode).combine(stacked)
    tables['dumps'] = _report('given dumps', stacked, records, names)
    print(f'mode {mode}; mean weight per model: ' + ', '.join(
        f'{n} {w:.3f}' for n, w in zip(names, weights.mean(axis=1))))
    if args.save_weights:
        save_weights(args.save_weights, weights, mode, info)
        print(f'weights written to {args.save_weights}')
    if args.out:
        write_prediction_dump(args.out, records, dict(
            config='ensemble', checkpoint=', '.join(args.dumps),
            ensemble=dict(mode=mode, weights=weights.tolist(), **info)))
        print(f'ensemble predictions written to {args.out}')
    if args.metrics_out:
        if osp.dirname(args.metrics_out):
            os.makedirs(osp.dirname(args.metrics_out), exist_ok=True)
        with open(args.metrics_out, 'w') as f:
            json.dump(tables, f, indent=1)
    return 0


if __name__ == '__main__':
    from egohands.apis.cli import run_cli
    sys.exit(run_cli(main))
