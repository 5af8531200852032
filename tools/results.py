"""One dataset's results tables from its configs.

    python tools/results.py --dataset nw_ucla_xview [--ablations]
        [--extended] [--src RAW --converter nw_ucla] [--seeds 0 1 2]
        [--json F] [--markdown docs/results.md] [--logs DIR]

For ``--dataset D`` it pretrains ``configs/pstl/pstl_D.py`` (and
``skeletonbt_D.py``; ``--ablations``: ``ablation/ablation_*_D.py`` with the
first seed) with each seed, then evaluates every encoder and a randomly
initialised one: the linear classifier of ``linear/linear_D.py`` (its lr,
batch, epochs and classes) on frozen features, raw and standardised; cosine
kNN top-1 (the ks of ``knn/knn_D.py``); the class share of the features'
variance; and the partial body of the pretrainings
(``partial_body/partial_body_D.py``). A finished step is reused while its
fingerprint holds (:mod:`pstl_mm.results`). ``--extended`` adds the
learning curve (``curve/<pretraining>_curve_D.py``: one long pretraining per
method, first seed, every ``--curve-every``-th checkpoint evaluated) and the
fine-tuning rows (``semi/semi5_D.py``, ``semi/semi10_D.py``,
``finetune/finetune_D.py`` from each pretraining and from scratch, every
seed). After every step the JSON and
the tables between ``<!-- MARKER:begin -->`` and ``<!-- MARKER:end -->`` of
``--markdown`` are rewritten, and the runs' logs copied to ``--logs``.
"""
import argparse
import os.path as osp
import shlex
import sys

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, ROOT)


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Pretrain on one dataset and write its results tables '
        '(linear, kNN, partial body).')
    parser.add_argument('--dataset', required=True,
                        help='the configs\' dataset name, e.g. nw_ucla_xview')
    parser.add_argument('--config-dir', default=osp.join('configs', 'pstl'))
    parser.add_argument('--src', help='raw data, converted when the '
                        'annotation file is missing')
    parser.add_argument('--converter', help='tools/data/convert.py\'s name '
                        'of the dataset, e.g. nw_ucla')
    parser.add_argument('--ann-file', help='default: the linear config\'s')
    parser.add_argument('--work-dir',
                        help='default: work_dirs/results_<dataset>')
    parser.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    parser.add_argument('--ablations', action='store_true',
                        help='also the ablation configs, first seed')
    parser.add_argument('--extended', action='store_true',
                        help='also the learning curve and the fine-tuning '
                        'rows')
    parser.add_argument('--json', help='default: docs/results_<dataset>.json')
    parser.add_argument('--markdown', default=osp.join('docs', 'results.md'))
    parser.add_argument('--marker', help='the markers\' tag (default: the '
                        'dataset)')
    parser.add_argument('--report-only', action='store_true',
                        help='compute nothing: write the JSON and tables of '
                        'what has finished (e.g. while another process runs '
                        'the steps)')
    parser.add_argument('--reuse-published', action='store_true',
                        help='also reuse the step records under --logs '
                        '(e.g. committed by an earlier run) whose '
                        'fingerprints hold: compute only what they lack, '
                        'and the pretrainings that needs')
    parser.add_argument('--readme', help='a file whose paragraph between '
                        '<!-- TAG:headline:begin/end --> is rewritten, e.g. '
                        'README.md')
    parser.add_argument('--logs', help='where the runs\' logs and plots are '
                        'copied (default: docs/results_<dataset>)')
    # Smaller runs (tests, trials); the results use the configs' values.
    parser.add_argument('--epochs', type=int, help='pretraining epochs')
    parser.add_argument('--batch-size', type=int, help='pretraining batch')
    parser.add_argument('--limit', type=int,
                        help='the first N clips of each split only')
    parser.add_argument('--probe-epochs', type=int,
                        help='default: the linear config\'s')
    parser.add_argument('--no-partial-body', action='store_true')
    parser.add_argument('--curve-epochs', type=int,
                        help='default: the curve configs\' epochs')
    parser.add_argument('--curve-every', type=int, default=10,
                        help='epochs between evaluated checkpoints')
    parser.add_argument('--finetune-epochs', type=int,
                        help='default: the fine-tuning configs\' epochs')
    return parser.parse_args(argv)


def quiet() -> None:
    """The stack's import-time warnings and load messages off the console
    (the runs' own output goes to their files)."""
    import logging
    import warnings
    for message in ('pkg_resources is deprecated',
                    'Fail to import ``MultiScaleDeformableAttention``'):
        warnings.filterwarnings('ignore', message=message)
    from mmengine.logging import MMLogger
    MMLogger.get_instance('mmengine').setLevel(logging.WARNING)


def main(argv=None) -> int:
    args = parse_args(argv)
    quiet()
    from pstl_mm.results import ResultsOptions, ResultsPipeline
    ds = args.dataset
    options = ResultsOptions(
        dataset=ds, config_dir=args.config_dir, seeds=args.seeds,
        ablations=args.ablations, partial_body=not args.no_partial_body,
        ann_file=args.ann_file, src=args.src, converter=args.converter,
        work_dir=args.work_dir,
        json=args.json or osp.join('docs', f'results_{ds}.json'),
        markdown=args.markdown, marker=args.marker, readme=args.readme,
        logs=args.logs or osp.join('docs', f'results_{ds}'),
        epochs=args.epochs, batch_size=args.batch_size, limit=args.limit,
        probe_epochs=args.probe_epochs, extended=args.extended,
        curve_epochs=args.curve_epochs, curve_every=args.curve_every,
        finetune_epochs=args.finetune_epochs, report_only=args.report_only,
        reuse_published=args.reuse_published,
        command=shlex.join(['python', 'tools/results.py',
                            *(sys.argv[1:] if argv is None else argv)]))
    try:
        pipeline = ResultsPipeline(options)
    except (FileNotFoundError, KeyError) as error:
        print(f'error: {error}', file=sys.stderr)
        return 2
    pipeline()
    return 0


if __name__ == '__main__':
    sys.exit(main())
