"""The reference of the ``test_tool`` benchmark: test a checkpoint without
the Runner, as a short script would.

    python tools/benchmark_cases/bare_test.py CONFIG CHECKPOINT DATA_ROOT \
        ANN_FILE

Builds the test dataset, the model and the metric from the config, loads
the checkpoint's weights, runs the test pipeline and ``model.test_step`` in
this process in batches of the config's test batch size, and prints one
JSON line: ``{"hands": N, "metrics": {...}}``.
"""
import json
import sys


def main(argv) -> int:
    config, checkpoint, data_root, ann_file = argv
    import torch
    from mmengine.config import Config
    from mmengine.dataset import pseudo_collate
    from mmengine.evaluator import Evaluator
    from mmengine.registry import init_default_scope

    from egohands.registry import DATASETS, MODELS
    init_default_scope('egohands')
    cfg = Config.fromfile(config)
    loader_cfg = cfg.test_dataloader
    dataset = DATASETS.build(dict(loader_cfg.dataset, data_root=data_root,
                                  ann_file=ann_file))
    model = MODELS.build(cfg.model)
    state = torch.load(checkpoint, map_location='cpu', weights_only=True)
    model.load_state_dict(state['state_dict'])
    model.eval()
    evaluator = Evaluator(cfg.test_evaluator)
    evaluator.dataset_meta = dataset.metainfo
    batch_size = loader_cfg.batch_size
    with torch.no_grad():
        for start in range(0, len(dataset), batch_size):
            batch = pseudo_collate([
                dataset[i]
                for i in range(start, min(start + batch_size, len(dataset)))
            ])
            evaluator.process(model.test_step(batch), batch)
    metrics = evaluator.evaluate(len(dataset))
    print(json.dumps(dict(hands=len(dataset), metrics={
        name: float(value) for name, value in metrics.items()})))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
