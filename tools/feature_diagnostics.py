"""Why the encoders of a results run score what they score.

    python tools/feature_diagnostics.py --dataset nw_ucla_xview \
        [--work-dir work_dirs/results_nw_ucla_xview] [--runs pstl_seed2 ...]
        [--json docs/results_nw_ucla/feature_diagnostics.json]
        [--markdown docs/results.md]

Reads the frozen features a results run kept (``<work-dir>/<run>/
features.npz``, written by ``tools/results.py``) and, per run, measures how
their variance is spread (participation ratio, the first direction's share
and how much of it lies between the classes, dead channels, the mean against
the spread), how far the test split's mean lies from the training split's,
and trains the linear config's classifier (its lr, batch, epochs and
initialisation; the run's seed) on the raw, centred, standardised and
whitened features, with training-set beside test top-1
(:mod:`pstl_mm.results.feature_diagnostics`). Writes a JSON (the commit, the
command, each run's features fingerprint) and a table between
``<!-- DATASET:diagnostics:begin -->`` and ``... :end -->`` of
``--markdown``.
"""
import argparse
import json
import os
import os.path as osp
import re
import shlex
import sys

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, ROOT)


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Spectrum, split shift and probe variants of the '
        'features a results run kept.')
    parser.add_argument('--dataset', required=True,
                        help='the configs\' dataset name, e.g. nw_ucla_xview')
    parser.add_argument('--config-dir', default=osp.join('configs', 'pstl'))
    parser.add_argument('--work-dir',
                        help='default: work_dirs/results_<dataset>')
    parser.add_argument('--runs', nargs='+',
                        help='default: every <run>_seed<N> folder of the '
                        'work dir that has features.npz')
    parser.add_argument('--json', help='default: docs/results_<dataset>/'
                        'feature_diagnostics.json')
    parser.add_argument('--markdown', help='a file whose block between '
                        '<!-- DATASET:diagnostics:begin/end --> is '
                        'rewritten, e.g. docs/results.md')
    return parser.parse_args(argv)


def run_seed(run: str) -> int:
    """The seed a run's name ends with (``pstl_seed2`` -> 2)."""
    match = re.search(r'_seed(\d+)$', run)
    if match is None:
        raise ValueError(f'run {run!r}: its name does not end with '
                         '_seed<N>, so its seed is unknown')
    return int(match.group(1))


def main(argv=None) -> int:
    args = parse_args(argv)
    import numpy as np
    from pstl_mm.results import (find_dataset_configs, probe_settings,
                                 write_between_markers)
    from pstl_mm.results.feature_diagnostics import diagnose, report
    from pstl_mm.results.fingerprint import git_commit
    ds = args.dataset
    work_dir = args.work_dir or osp.join('work_dirs', f'results_{ds}')
    out_json = args.json or osp.join('docs', f'results_{ds}',
                                     'feature_diagnostics.json')
    try:
        probe = probe_settings(find_dataset_configs(ds, args.config_dir).linear)
        names = args.runs or sorted(
            d for d in (os.listdir(work_dir) if osp.isdir(work_dir) else [])
            if re.search(r'_seed\d+$', d)
            and osp.isfile(osp.join(work_dir, d, 'features.npz')))
        if not names:
            raise FileNotFoundError(
                f'{work_dir}: no run folder with features.npz (run '
                f'tools/results.py --dataset {ds} first)')
        runs = {}
        for run in names:
            path = osp.join(work_dir, run, 'features.npz')
            if not osp.isfile(path):
                raise FileNotFoundError(f'{path} does not exist')
            record_path = osp.join(work_dir, run, 'features.json')
            record = {}
            if osp.isfile(record_path):
                with open(record_path) as f:
                    record = json.load(f)
            with np.load(path) as data:
                feats = {k: data[k] for k in data.files}
            print(f'{run}: spectrum and probes', flush=True)
            runs[run] = dict(
                seed=run_seed(run),
                features_fingerprint=record.get('fingerprint'),
                features_commit=record.get('commit'),
                **diagnose(feats, probe, run_seed(run)))
    except (FileNotFoundError, KeyError, ValueError) as error:
        print(f'error: {error}', file=sys.stderr)
        return 2
    result = dict(
        commit=git_commit(ROOT), probe=probe.as_dict(),
        command=shlex.join(['python', 'tools/feature_diagnostics.py',
                            *(sys.argv[1:] if argv is None else argv)]),
        runs=runs)
    os.makedirs(osp.dirname(out_json) or '.', exist_ok=True)
    with open(out_json, 'w') as f:
        json.dump(result, f, indent=2)
        f.write('\n')
    text = report(result)
    print(text)
    if args.markdown:
        write_between_markers(args.markdown, text, f'{ds}:diagnostics')
    return 0


if __name__ == '__main__':
    sys.exit(main())
