"""The demo chain on procedurally generated skeleton actions.

Usage::

    python tools/demo.py [--work-dir work_dirs/demo] [--data PKL]
        [--seed 0 [1 ...]] [--json PATH]
        [--pretrain-options K=V ...] [--linear-options K=V ...]
        [--partial-body-options K=V ...]

1. writes the synthetic demo set if it is missing
   (``tools/data/make_demo_data.py``);
2. pretrains PSTL on it (``configs/pstl/demo/demo_pstl_synthetic.py``);
3. linear evaluation of the pretrained encoder, and of a randomly
   initialised one as the baseline (``demo_linear_synthetic.py``);
4. partial-body evaluation of both linear models
   (``demo_partial_body_synthetic.py``);

and ends with one table: linear top-1 and the joints-shaded and
parts-shaded rows, pretrained beside random init. Every step runs on
MMEngine's runner; the console shows one progress bar per stage (loss or
accuracy in it), the full runner logs go to ``<work-dir>/demo.log`` and the
runs' own log folders. The ``--*-options`` override keys of a stage's config
(e.g. a smaller encoder for a quicker run), as ``--cfg-options`` does for
``tools/train.py``.

``--seed`` is every stage's ``randomness.seed`` (the pretraining's draws, the
random-init encoder, the linear classifier, the partial-body draws; the
synthetic set stays the same). Given several seeds, the chain runs once per
seed in ``<work-dir>/seed<N>`` (a seed finished at the same commit with the
same options is not run again, so an interrupted sweep resumes) and ends
with the margin of each and their spread; ``--json`` writes them
(``docs/demo_seeds.json`` is held-out seeds 5-9, the spread the README
quotes, and the last line of a run compares its margin with it;
``docs/demo_seeds_checked.json`` the seeds 0-4 the demo was checked on);
``--readme README.md`` rewrites the README's paragraph from both.
"""
import argparse
import contextlib
import json
import os
import os.path as osp
import sys
import warnings
from typing import Optional, Tuple

# The stack's import-time warnings go to the log, not the console.
with warnings.catch_warnings(record=True) as IMPORT_WARNINGS:
    warnings.simplefilter('always')
    import numpy as np  # noqa: E402
    from mmengine.config import Config, DictAction
    from mmengine.hooks import Hook
    from mmengine.runner import Runner
    from tqdm import tqdm

    import pstl_mm  # noqa: F401
    from mmaction.registry import RUNNERS

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIGS = osp.join(REPO, 'configs', 'pstl', 'demo')
DEFAULT_DATA = osp.join('data', 'demo', 'synthetic_demo.pkl')
#: The committed spread of the margin over seeds the default run does not use.
SPREAD_JSON = osp.join(REPO, 'docs', 'demo_seeds.json')
#: The seeds the demo's task and epochs were checked on (each must gain).
CHECKED_JSON = osp.join(REPO, 'docs', 'demo_seeds_checked.json')
#: The README's paragraph written from both (``--readme``).
README_MARKER = 'demo:spread'
#: The stages' configs in ``configs/pstl/demo/``.
STAGE_CONFIGS = {
    'pretrain': 'demo_pstl_synthetic',
    'linear': 'demo_linear_synthetic',
    'partial-body': 'demo_partial_body_synthetic',
}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--work-dir', default=osp.join('work_dirs', 'demo'))
    parser.add_argument('--data', default=DEFAULT_DATA)
    parser.add_argument('--seed', type=int, nargs='+', default=[0],
                        help='randomness.seed of every stage; several seeds '
                        'run the chain once each')
    parser.add_argument('--no-partial-body', action='store_true',
                        help='stop after the linear evaluations (the margin '
                        'needs no more; a sweep over seeds)')
    parser.add_argument('--readme', help='rewrite the paragraph between '
                        f'<!-- {README_MARKER}:begin/end --> of this file '
                        '(e.g. README.md) from --json (default '
                        'docs/demo_seeds.json) and '
                        'docs/demo_seeds_checked.json')
    parser.add_argument('--json', help='write each seed\'s linear top-1 '
                        'and margin here')
    for stage, config in STAGE_CONFIGS.items():
        parser.add_argument(
            f'--{stage}-options', nargs='+', action=DictAction, default={},
            help=f'key=value pairs merged into {config}.py')
    return parser.parse_args(argv)


def ensure_data(path: str) -> None:
    if osp.isfile(path):
        print(f'[demo] using the synthetic set {path}')
        return
    sys.path.insert(0, osp.join(REPO, 'tools', 'data'))
    from make_demo_data import main as make_demo_data
    print(f'[demo] writing the synthetic set {path}')
    make_demo_data(['--out', path])


class StageProgress(Hook):
    """One console progress bar for a runner's training or testing.

    Args:
        desc (str): The stage's name, left of the bar.
        total (int): Iterations of the stage.
        out: Where the bar goes (the console).
    """

    priority = 'LOWEST'

    def __init__(self, desc: str, total: int, out) -> None:
        self.bar = tqdm(total=total, desc=f'{desc:<26}', file=out,
                        mininterval=1.0, ncols=100, leave=True)

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None) -> None:
        self.bar.update(1)
        if outputs and 'loss' in outputs:
            self.bar.set_postfix_str(f'loss {float(outputs["loss"]):.1f}',
                                     refresh=False)

    def after_val_epoch(self, runner, metrics=None) -> None:
        if metrics and 'acc/top1' in metrics:
            self.bar.set_postfix_str(
                f'val top-1 {100 * metrics["acc/top1"]:.1f}%', refresh=False)

    def after_test_iter(self, runner, batch_idx, data_batch=None,
                        outputs=None) -> None:
        self.bar.update(1)

    def close(self, postfix: Optional[str] = None) -> None:
        if postfix is not None:
            self.bar.set_postfix_str(postfix, refresh=False)
        self.bar.close()


class Demo:
    """Runs the stages with their logs in ``work_dir/demo.log``.

    Args:
        data (str): The synthetic set.
        work_dir (str): Where every run writes.
        config_options (dict, optional): Config name -> keys merged into
            that config last.
        seed (int): ``randomness.seed`` of every stage.
    """

    def __init__(self, data: str, work_dir: str,
                 config_options: Optional[dict] = None,
                 seed: int = 0) -> None:
        self.data = data
        self.work_dir = work_dir
        self.config_options = config_options or {}
        self.seed = seed
        self.console = sys.stdout
        os.makedirs(work_dir, exist_ok=True)
        self.log_path = osp.join(work_dir, 'demo.log')
        self.log = open(self.log_path, 'w')
        for record in IMPORT_WARNINGS:
            self.log.write(warnings.formatwarning(
                record.message, record.category, record.filename,
                record.lineno))

    @contextlib.contextmanager
    def logged(self):
        """Console output of the runners (logs, warnings) into the log."""
        with contextlib.redirect_stdout(self.log), \
                contextlib.redirect_stderr(self.log), \
                warnings.catch_warnings():
            warnings.simplefilter('default')
            yield
        self.log.flush()

    def runner(self, config: str, work_dir: str, **options) -> Runner:
        """Build a runner for ``configs/pstl/demo/<config>.py`` on the data.

        As ``tools/train.py`` does: from ``RUNNERS`` when the config names a
        ``runner_type``, else mmengine's Runner.
        """
        cfg = Config.fromfile(osp.join(CONFIGS, f'{config}.py'))
        cfg.work_dir = work_dir
        for loader in ('train_dataloader', 'val_dataloader',
                       'test_dataloader'):
            if cfg.get(loader):
                cfg[loader].dataset.ann_file = self.data
        cfg.merge_from_dict(options)
        cfg.merge_from_dict({'randomness.seed': self.seed})
        cfg.merge_from_dict(self.config_options.get(config, {}))
        if 'runner_type' not in cfg:
            return Runner.from_cfg(cfg)
        return RUNNERS.build(cfg)

    def train(self, desc: str, config: str, work_dir: str,
              **options) -> Runner:
        """Train ``config`` with a progress bar; return the runner."""
        with self.logged():
            runner = self.runner(config, work_dir, **options)
            total = runner.max_epochs * len(runner.train_dataloader)
            progress = StageProgress(desc, total, self.console)
            runner.register_hook(progress)
            runner.train()
        progress.close()
        return runner

    def test(self, desc: str, config: str, work_dir: str,
             **options) -> Tuple[Runner, dict]:
        """Test ``config`` with a progress bar; return runner, metrics."""
        with self.logged():
            runner = self.runner(config, work_dir, **options)
            loop = runner.test_loop
            passes = len(loop.settings()) if hasattr(loop, 'settings') else 1
            progress = StageProgress(desc, passes * len(loop.dataloader),
                                     self.console)
            runner.register_hook(progress)
            metrics = runner.test()
        progress.close()
        return runner, metrics


def pretrain(demo: Demo) -> Tuple[str, np.ndarray, int]:
    """Step 2; returns the checkpoint, every iteration's loss, the epochs."""
    runner = demo.train('pretraining PSTL', 'demo_pstl_synthetic',
                        osp.join(demo.work_dir, 'pretrain'))
    losses = np.asarray(
        runner.message_hub.get_scalar('train/loss').data[0], dtype=float)
    return osp.join(runner.work_dir, f'epoch_{runner.max_epochs}.pth'), \
        losses, runner.max_epochs


def linear(demo: Demo, tag: str, pretrained: Optional[str]) -> Tuple[
        str, float]:
    """Step 3; returns the linear checkpoint and its last top-1."""
    init = None if pretrained is None else dict(
        type='Pretrained', checkpoint=pretrained, prefix='backbone.')
    runner = demo.train(f'linear ({tag})', 'demo_linear_synthetic',
                        osp.join(demo.work_dir, f'linear_{tag}'),
                        **{'model.backbone.init_cfg': init})
    top1 = runner.message_hub.get_scalar('val/acc/top1').current()
    return osp.join(runner.work_dir,
                    f'epoch_{runner.max_epochs}.pth'), float(top1)


def partial_body(demo: Demo, tag: str, checkpoint: str) -> Tuple[dict, str]:
    """Step 4; returns PartialBodyMetric's metrics and the PNG it drew."""
    runner, metrics = demo.test(
        f'partial body ({tag})', 'demo_partial_body_synthetic',
        osp.join(demo.work_dir, f'partial_body_{tag}'),
        load_from=checkpoint)
    return metrics, osp.join(runner.log_dir, 'partial_body.png')


def summarise(losses: np.ndarray, epochs: int, results: dict) -> str:
    """The closing table."""
    lines = ['', '[demo] PSTL pretraining on synthetic skeleton actions']
    per_epoch = [c.mean() for c in np.array_split(losses, epochs)]
    lines.append('  loss per epoch: ' + ', '.join(f'{v:.0f}'
                                                  for v in per_epoch))
    cols = list(results)
    lines.append(f'\n{"top-1 (%)":<28}' + ''.join(f'{c:>16}' for c in cols))
    lines.append(f'{"linear evaluation":<28}' + ''.join(
        f'{100 * results[c]["linear"]:>16.1f}' for c in cols))
    modes = ('zero', 'drop') if any(r['partial']
                                     for r in results.values()) else ()
    for mode in modes:
        for kind, levels in (('joints', (0, 2, 4, 6, 8, 10)),
                             ('parts', (0, 1, 2, 3, 4))):
            for level in levels:
                key = f'partial_body/{mode}/{kind}_{level}/top1'
                row = f'{kind} shaded {level} ({mode})'
                lines.append(f'{row:<28}' + ''.join(
                    f'{100 * results[c]["partial"].get(key, np.nan):>16.1f}'
                    for c in cols))
    return '\n'.join(lines)


def run_chain(args, seed: int, work_dir: str) -> dict:
    """Steps 1-4 with ``seed``; prints the table, returns the top-1s."""
    demo = Demo(args.data, work_dir, {
        config: getattr(args, f'{stage.replace("-", "_")}_options')
        for stage, config in STAGE_CONFIGS.items()
    }, seed=seed)
    with demo.logged():
        ensure_data(args.data)
    print(f'[demo] seed {seed}; synthetic set: {args.data}; '
          f'full logs: {demo.log_path}')
    checkpoint, losses, epochs = pretrain(demo)
    results = {}
    for name, init in (('PSTL pretrained', checkpoint),
                       ('random init', None)):
        tag = 'pstl' if init else 'random'
        linear_ckpt, top1 = linear(demo, tag, init)
        partial, plot = ({}, None) if args.no_partial_body else \
            partial_body(demo, tag, linear_ckpt)
        results[name] = dict(linear=top1, partial=partial, plot=plot)
    print(summarise(losses, epochs, results))
    print(f'\n[demo] pretrained encoder: {checkpoint}')
    for name, result in results.items():
        if result['plot']:
            print(f'[demo] partial-body curves ({name}): {result["plot"]}')
    pstl = 100 * results['PSTL pretrained']['linear']
    random_init = 100 * results['random init']['linear']
    return dict(seed=seed, pstl=round(pstl, 2),
                random_init=round(random_init, 2),
                margin=round(pstl - random_init, 2))


def sweep_run(args, seed: int) -> dict:
    """One seed of a sweep, in ``<work-dir>/seed<N>``: its finished result
    (``result.json``) when the same commit and options wrote it, else the
    chain, run and recorded (so an interrupted sweep resumes)."""
    from pstl_mm.results.fingerprint import git_commit
    work_dir = osp.join(args.work_dir, f'seed{seed}')
    path = osp.join(work_dir, 'result.json')
    made_by = dict(
        commit=git_commit(REPO), seed=seed, data=osp.abspath(args.data),
        no_partial_body=args.no_partial_body,
        options={stage: dict(getattr(args, f'{stage.replace("-", "_")}'
                                           '_options'))
                 for stage in STAGE_CONFIGS})
    made_by = json.loads(json.dumps(made_by, default=repr))
    if osp.isfile(path):
        with open(path) as f:
            record = json.load(f)
        if record.get('made_by') == made_by:
            print(f'[demo] seed {seed}: finished before, {path}')
            return record['run']
    run = run_chain(args, seed, work_dir)
    with open(path, 'w') as f:
        json.dump(dict(made_by=made_by, run=run), f, indent=1)
    return run


def spread(margins) -> dict:
    """Mean, sample std (None for one), min and max of the margins."""
    values = np.asarray(margins, dtype=float)
    return dict(mean=round(float(values.mean()), 2),
                std=(round(float(values.std(ddof=1)), 2)
                     if len(values) > 1 else None),
                min=round(float(values.min()), 2),
                max=round(float(values.max()), 2))


def _load(path: str) -> Optional[dict]:
    if not osp.isfile(path):
        return None
    with open(path) as f:
        return json.load(f)


def _seeds(record: dict) -> str:
    seeds = record['seeds']
    return (f'{seeds[0]}-{seeds[-1]}' if seeds == list(
        range(seeds[0], seeds[-1] + 1)) else ', '.join(map(str, seeds)))


def _commit(record: dict) -> str:
    commit = record['commit'] or 'an unknown commit'
    return commit[:7] + ('+dirty' if commit.endswith('+dirty') else '')


def _shown(path: str) -> str:
    """``path`` as the README names it: relative to the repository."""
    rel = osp.relpath(osp.abspath(path), REPO)
    return path if rel.startswith('..') else rel


def committed_spread(path: str = SPREAD_JSON) -> Optional[str]:
    """The committed spread as a phrase, or None without the file."""
    record = _load(path)
    if record is None:
        return None
    s = record['spread']
    return (f'seeds {_seeds(record)} gave {s["min"]:+.1f} to '
            f'{s["max"]:+.1f} (mean {s["mean"]:+.1f}) at '
            f'{_commit(record)}')


def spread_paragraph(spread_json: str = SPREAD_JSON,
                     checked_json: str = CHECKED_JSON) -> Optional[str]:
    """The README's paragraph on the demo's margin over seeds, written from
    the committed records (None without ``spread_json``)."""
    held = _load(spread_json)
    if held is None:
        return None
    s = held['spread']
    runs = ', '.join(f'{r["seed"]}: {r["margin"]:+.1f}' for r in held['runs'])
    text = (f'How much the demo\'s headline moves with the random stream: '
            f'over seeds {_seeds(held)}, pretraining changed linear top-1 '
            f'by {s["min"]:+.1f} to {s["max"]:+.1f} points over the '
            f'random-init encoder, mean {s["mean"]:+.1f}'
            + (f' ± {s["std"]:.1f}' if s['std'] is not None else '') +
            f' (per seed {runs}; computed at {_commit(held)}, '
            f'`{_shown(spread_json)}`).')
    checked = _load(checked_json)
    if checked is not None:
        c = checked['spread']
        verdict = ('each gained' if c['min'] > 0 else
                   'not every one gained')
        text += (f' The demo\'s task and epochs were checked on seeds '
                 f'{_seeds(checked)} first ({verdict}: {c["min"]:+.1f} to '
                 f'{c["max"]:+.1f}, at {_commit(checked)}, '
                 f'`{_shown(checked_json)}`); seeds '
                 f'{_seeds(held)} were run after.')
    return text + (' `make demo` runs seed 0 and prints the margin it got.')


def main(argv=None) -> int:
    args = parse_args(argv)
    runs = []
    for seed in args.seed:
        if len(args.seed) == 1:
            runs.append(run_chain(args, seed, args.work_dir))
        else:
            runs.append(sweep_run(args, seed))
        run = runs[-1]
        line = (f'[demo] pretraining changed linear top-1 by '
                f'{run["margin"]:+.1f} points over the random-init encoder '
                f'({run["pstl"]:.1f} vs {run["random_init"]:.1f}, '
                f'seed {seed})')
        print(line)
    if len(runs) > 1:
        print('\n[demo] margin per seed: ' + ', '.join(
            f'{r["seed"]}: {r["margin"]:+.1f}' for r in runs))
        s = spread([r['margin'] for r in runs])
        std = '' if s['std'] is None else f' ± {s["std"]:.1f}'
        print(f'[demo] margin {s["mean"]:+.1f}{std} (min {s["min"]:+.1f}, '
              f'max {s["max"]:+.1f}) over seeds '
              f'{", ".join(str(r["seed"]) for r in runs)}')
    else:
        known = committed_spread()
        if known:
            print(f'[demo] for comparison, {known} (docs/demo_seeds.json)')
    if args.json:
        from pstl_mm.results.fingerprint import git_commit
        record = dict(commit=git_commit(REPO), seeds=list(args.seed),
                      runs=runs, spread=spread([r['margin'] for r in runs]),
                      command='python tools/demo.py ' + ' '.join(
                          argv if argv is not None else sys.argv[1:]))
        os.makedirs(osp.dirname(osp.abspath(args.json)), exist_ok=True)
        with open(args.json, 'w') as f:
            json.dump(record, f, indent=1)
        print(f'[demo] wrote {args.json}')
    if args.readme:
        from pstl_mm.results.report_markdown import write_between_markers
        source = args.json or SPREAD_JSON
        paragraph = spread_paragraph(source)
        if paragraph is None:
            print(f'[demo] no {source}: {args.readme} left as it is')
        else:
            write_between_markers(args.readme, paragraph, README_MARKER)
            print(f'[demo] wrote the seeds paragraph into {args.readme}')
    print(f'[demo] runs, checkpoints and their logs: {args.work_dir}/')
    return 0


if __name__ == '__main__':
    sys.exit(main())
