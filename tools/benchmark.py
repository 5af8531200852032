"""Throughput and memory of PSTL's hot paths, as ratios within one run.

Sub-commands::

    python tools/benchmark.py step [--batch 128] [--iters 2] [--warmup 3]
        [--repeats 2]
        [--baseline OTHER_CHECKOUT] [--variants configured plain ...]
    python tools/benchmark.py compile [--config CONFIG] [--run-epochs 2]
        [--epochs 20] [--ann-file PKL]
    python tools/benchmark.py pipeline [--samples 200]
    python tools/benchmark.py memory [--npy PATH | --size-gb 2.5]
        [--samples 2000]

``step``: seconds, samples/s and peak resident memory of one PSTL
pretraining step (three views through the encoder, 6144-wide projector,
Barlow Twins losses, backward, Adam) of the model of
``configs/pstl/pstl_ntu60_xsub.py``, per variant: as configured (per-sample
CSM masks of 9 joints: the gather path), masks off, one mask shared by the
batch (slice path), 8-10 joints per sample (dense fallback), and the CSM
masks forced through the fallback. Each row runs in a fresh process (so its
peak memory is its own); with ``--baseline`` another checkout runs the same
variants alternately and ratios are taken against it, else against the
plain step. ``compile``: a config's pretraining through ``tools/train.py``
eagerly and with ``compile=True`` (the runner's ``torch.compile``), each
for ``--run-epochs`` epochs, timed per iteration, and the wall time of an
``--epochs`` run projected from them, compiling included. ``pipeline``:
samples/s of the pretraining data pipeline
(``MultiView`` with crop, shear, rotate, flip, CSM, MATM) on synthetic
clips. ``memory``: peak resident memory (VmHWM) of iterating a
``PSTLSkeletonDataset`` over a CrosSCLR ``*_data_joint.npy`` file
(memory-mapped), by default a synthetic file of ``--size-gb`` written to a
temporary folder and removed afterwards.
"""
import argparse
import os
import os.path as osp
import pickle
import sys
import tempfile
import time

import numpy as np
import torch
from mmengine.config import DictAction

from pstl_mm.skeleton import CLIP_LENGTH

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIG = osp.join(REPO, 'configs', 'pstl', 'pstl_ntu60_xsub.py')


def _rss_mb(field: str = 'VmRSS') -> float:
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith(field + ':'):
                return int(line.split()[1]) / 1024
    return float('nan')


def _build(cfg_path: str, **overrides):
    from mmengine.config import Config
    from mmengine.registry import init_default_scope

    import pstl_mm  # noqa: F401
    init_default_scope('mmaction')
    cfg = Config.fromfile(cfg_path)
    cfg.merge_from_dict(overrides)
    return cfg


STEP_VARIANTS = {
    # name: (spatial mask, backbone mask_path override, description)
    'configured': ('csm', None, 'as configured: CSM, 9 joints per sample'),
    'plain': (None, None, 'masks off'),
    'shared': ('shared', None, 'one CSM mask for the batch (slice)'),
    'ragged': ('ragged', None, '8-10 joints per sample (dense fallback)'),
    'dense': ('csm', 'dense', 'CSM masks forced through the fallback'),
}


def _step_inputs(n: int, m: int, mask_kind, seed: int = 0) -> dict:
    """Synthetic views of an NTU-shaped batch, the spatial one masked, as
    ``ViewsDataPreprocessor`` gives them (``pstl_mm.structures``)."""
    g = torch.Generator().manual_seed(seed)
    views = dict(
        anchor=torch.randn(n, m, CLIP_LENGTH, 25, 3, generator=g),
        spatial=torch.randn(n, m, CLIP_LENGTH, 25, 3, generator=g),
        temporal=torch.randn(n, m, 30, 25, 3, generator=g))
    if mask_kind is None:
        return views
    mask = torch.zeros(n, 25, dtype=torch.bool)
    for i in range(n):
        count = 9 if mask_kind != 'ragged' else 8 + i % 3
        row = 0 if mask_kind == 'shared' else i
        mask[i, torch.randperm(
            25, generator=torch.Generator().manual_seed(row))[:count]] = True
    from pstl_mm.structures import batch_view
    views['spatial'] = batch_view(views['spatial'], mask)
    return views


def _apply_run_hooks(cfg) -> None:
    """Apply what the config's process-wide hooks set before a run.

    ``tools/train.py`` would run them; the step benchmark has no runner, so
    it calls ``before_run`` of the tree's ``HeapTrimHook`` itself (a tree
    without one leaves the C library's defaults, as its training would).
    """
    import types

    from mmaction.registry import HOOKS
    from mmengine.logging import MMLogger
    runner = types.SimpleNamespace(logger=MMLogger.get_current_instance())
    for hook_cfg in cfg.get('custom_hooks', []):
        if hook_cfg.get('type') == 'HeapTrimHook':
            HOOKS.build(hook_cfg).before_run(runner)


def _optimizer(model, cfg):
    """The config's optimizer (the pretraining Adam) for ``model``."""
    from mmengine.optim import build_optim_wrapper
    return build_optim_wrapper(model, cfg.optim_wrapper).optimizer


def step_worker_command(args) -> int:
    """One process, one variant: time steps, print a JSON line."""
    import json

    from mmaction.registry import MODELS
    mask_kind, mask_path, _ = STEP_VARIANTS[args.variant]
    overrides = {'model.backbone.num_person': args.num_person}
    if mask_path is not None:
        overrides['model.backbone.mask_path'] = mask_path
    cfg = _build(osp.join(args.repo, 'configs', 'pstl', 'pstl_ntu60_xsub.py'),
                 **overrides)
    _apply_run_hooks(cfg)
    model = MODELS.build(cfg.model).train()
    optim = _optimizer(model, cfg)
    inputs = _step_inputs(args.batch, args.num_person, mask_kind)
    times = []
    for _ in range(args.warmup + args.iters):
        start = time.perf_counter()
        loss = sum(model.loss(inputs).values())
        optim.zero_grad()
        loss.backward()
        optim.step()
        times.append(time.perf_counter() - start)
    print('STEP ' + json.dumps(
        dict(seconds=float(np.median(times[args.warmup:])),
             peak_mb=_rss_mb('VmHWM'),
             loss=float(loss))))
    return 0


def _run_worker(repo: str, variant: str, args) -> dict:
    """Run :func:`step_worker_command` for ``repo`` in a fresh process."""
    import json
    import subprocess
    env = dict(os.environ, PYTHONPATH=repo)
    # As that tree's tools/train.py runs: with huge pages only if it asks.
    env.pop('THP_MEM_ALLOC_ENABLE', None)
    with open(osp.join(repo, 'tools', 'train.py')) as f:
        if 'THP_MEM_ALLOC_ENABLE' in f.read():
            env['THP_MEM_ALLOC_ENABLE'] = '1'
    cmd = [
        sys.executable, osp.abspath(__file__), 'step-worker', '--repo', repo,
        '--variant', variant, '--batch', str(args.batch), '--iters',
        str(args.iters), '--warmup', str(args.warmup), '--num-person',
        str(args.num_person)
    ]
    proc = subprocess.run(cmd, cwd=repo, env=env, capture_output=True,
                          text=True)
    for line in proc.stdout.splitlines():
        if line.startswith('STEP '):
            return json.loads(line[5:])
    raise RuntimeError(f'step worker failed for {repo} ({variant}):\n'
                       f'{proc.stderr[-3000:]}')


def _authors_python(args, tmp: str) -> str:
    """A Python with what the authors' code needs: ``--authors-python``, or
    a virtual environment made in ``tmp`` (torch as pinned here, sacred,
    einops, tqdm)."""
    import subprocess
    if args.authors_python:
        return args.authors_python
    venv = osp.join(tmp, 'venv')
    subprocess.run([sys.executable, '-m', 'venv', venv], check=True)
    python = osp.join(venv, 'bin', 'python')
    subprocess.run([python, '-m', 'pip', 'install', '-q',
                    f'torch=={torch.__version__.split("+")[0]}', 'sacred',
                    'tqdm', 'einops', 'numpy', 'setuptools<81'], check=True)
    return python


def _run_authors(tree: str, python: str, args) -> dict:
    """The authors' pretraining step (``official_step.py`` beside their
    tree, copied to ``tree``) in a fresh process of its own environment."""
    import re
    import subprocess
    env = {k: v for k, v in os.environ.items()
           if k not in ('THP_MEM_ALLOC_ENABLE', 'PYTHONPATH')}
    proc = subprocess.run(
        [python, 'time_step.py', '--batch', str(args.batch), '--threads',
         str(torch.get_num_threads()), '--steps', str(args.iters),
         '--warmup', str(args.warmup)],
        cwd=tree, env=env, capture_output=True, text=True)
    match = re.search(r'median ([\d.]+) s/step.*peak_rss_mb (\d+)',
                      proc.stdout)
    if match is None:
        raise RuntimeError('the authors\' step failed:\n'
                           f'{proc.stdout[-2000:]}{proc.stderr[-3000:]}')
    return dict(seconds=float(match.group(1)),
                peak_mb=float(match.group(2)))


def step_command(args) -> int:
    """Time pretraining steps per variant, each in its own process.

    With ``--baseline DIR`` (another checkout, e.g. a git worktree of an
    earlier commit) the same variants of that tree run alternately with
    this one, and ratios are taken against it.
    """
    import shutil
    trees = [('current', REPO)]
    if args.baseline:
        trees.insert(0, ('baseline', osp.abspath(args.baseline)))
    tmp = tempfile.mkdtemp(prefix='pstl_benchmark_')
    if args.authors:
        # Their tree and driver in a temporary folder, never in ours.
        authors = osp.join(tmp, 'tree')
        shutil.copytree(osp.join(args.authors, 'pstl_official'), authors)
        shutil.copy(osp.join(args.authors, 'official_step.py'),
                    osp.join(authors, 'time_step.py'))
        python = _authors_python(args, tmp)
        trees.insert(0, ('authors', authors))
    results = {}
    try:
        _alternate(trees, args, results, python if args.authors else None)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    _print_step_table(trees, args, results)
    return 0


def _alternate(trees, args, results, authors_python) -> None:
    """Run every (repeat, variant, tree) in turn, each in its own process;
    the authors' step (their CSM shared by the batch) runs once per repeat,
    before the variants."""
    for _ in range(args.repeats):
        if authors_python is not None:
            res = _run_authors(trees[0][1], authors_python, args)
            results.setdefault(('authors', 'authors'), []).append(res)
            print(f'  .. {"authors":<10} {"authors":<8} '
                  f'{res["seconds"]:7.2f} s/step '
                  f'{res["peak_mb"]:8.0f} MB peak', flush=True)
        for variant in args.variants:
            for tree, repo in trees:
                if tree == 'authors' or (tree == 'baseline'
                                         and STEP_VARIANTS[variant][1]):
                    continue  # the baseline has no mask_path option
                res = _run_worker(repo, variant, args)
                results.setdefault((variant, tree), []).append(res)
                print(f'  .. {variant:<10} {tree:<8} '
                      f'{res["seconds"]:7.2f} s/step '
                      f'{res["peak_mb"]:8.0f} MB peak', flush=True)


def _print_step_table(trees, args, results) -> None:
    """Medians (min-max) per row, ratios against the authors' step, else
    the baseline's same variant, else the plain step."""
    ref_name = ('authors' if args.authors else
                'baseline' if args.baseline else 'plain')
    print(f'\npretraining step, batch {args.batch}, {args.num_person} '
          f'person(s), {torch.get_num_threads()} threads, median (min-max) '
          f'of {args.iters} steps after {args.warmup} warm-up step(s) per '
          f'process (peak: the whole process), one process '
          f'per row and repeat, {args.repeats} alternating repeat(s)')
    print(f'| variant | tree | s/step | samples/s | peak resident MB | '
          f'samples/s vs {ref_name} | peak vs {ref_name} |')
    print('|' + '---|' * 7)
    rows = [('authors', 'authors')] if args.authors else []
    rows += [(v, t) for v in args.variants for t, _ in trees
             if t != 'authors']
    for variant, tree in rows:
        runs = results.get((variant, tree))
        if not runs:
            continue
        secs = [r['seconds'] for r in runs]
        sec = float(np.median(secs))
        peak = float(np.median([r['peak_mb'] for r in runs]))
        ref_key = (('authors', 'authors') if args.authors else
                   (variant, 'baseline') if args.baseline else
                   ('plain', 'current'))
        ref = results.get(ref_key) or runs
        ref_sec = float(np.median([r['seconds'] for r in ref]))
        ref_peak = float(np.median([r['peak_mb'] for r in ref]))
        label = ('authors (their CSM: one mask per batch)'
                 if variant == 'authors' else
                 f'{variant} ({STEP_VARIANTS[variant][2]})')
        print(f'| {label} | {tree} | {sec:.2f} ({min(secs):.2f}-'
              f'{max(secs):.2f}) | {args.batch / sec:.2f} | {peak:.0f} | '
              f'x{ref_sec / sec:.2f} | x{peak / ref_peak:.2f} |')


def pipeline_command(args) -> int:
    """Time the pretraining data pipeline on synthetic clips, per core.

    One process, one thread: the rate is samples per CPU second
    (``time.process_time``), i.e. per core, and does not count the time
    other processes take the core away; the wall-clock rate is printed too.
    Each rate is the median of ``--repeats`` passes over the clips.
    """
    from mmaction.registry import DATASETS

    from pstl_mm.datasets.synthetic import make_synthetic_annotations
    torch.set_num_threads(1)

    def rates(dataset):
        """Median (per CPU second, per wall-clock second) of the passes."""
        cpu, wall = [], []
        for _ in range(args.repeats):
            start_cpu, start_wall = time.process_time(), time.perf_counter()
            for i in range(len(dataset)):
                dataset[i]
            cpu.append(len(dataset) / (time.process_time() - start_cpu))
            wall.append(len(dataset) / (time.perf_counter() - start_wall))
        return float(np.median(cpu)), float(np.median(wall))

    anns = make_synthetic_annotations(
        max(1, args.samples // 10), seed=0, num_person=2)
    with tempfile.TemporaryDirectory() as tmp:
        path = osp.join(tmp, 'clips.pkl')
        with open(path, 'wb') as f:
            pickle.dump(dict(annotations=anns), f)
        cfg = _build(CONFIG)
        data_cfg = cfg.train_dataloader.dataset
        data_cfg.ann_file, data_cfg.split = path, None
        dataset = DATASETS.build(data_cfg)
        plain = DATASETS.build(dict(data_cfg, pipeline=[]))
        dataset[0]  # fills the transforms' caches
        (plain_cpu, plain_wall), (full_cpu, full_wall) = (rates(plain),
                                                          rates(dataset))
    print(f'data pipeline, {len(anns)} clips (2, {CLIP_LENGTH}, 25, 3): '
          'one process, '
          f'{torch.get_num_threads()} torch thread, samples per CPU second '
          f'(= per core; wall clock in brackets), median of {args.repeats} '
          'passes')
    print(f'  loading only                  {plain_cpu:9.1f} samples/s '
          f'({plain_wall:9.1f})  x1.00')
    print(f'  + MultiView (3 views) + pack  {full_cpu:9.1f} samples/s '
          f'({full_wall:9.1f})  x{full_cpu / plain_cpu:.3f}')
    return 0


def memory_command(args) -> int:
    """Peak RSS while iterating a dataset over a large .npy file."""
    from pstl_mm.datasets import PSTLSkeletonDataset
    tmp = None
    path = args.npy
    if path is None:
        tmp = tempfile.mkdtemp()
        path = osp.join(tmp, 'train_data_joint.npy')
        per_sample = 3 * CLIP_LENGTH * 25 * 2 * 4
        count = int(args.size_gb * 2**30 / per_sample)
        data = np.lib.format.open_memmap(
            path, mode='w+', dtype=np.float32,
            shape=(count, 3, CLIP_LENGTH, 25, 2))
        g = np.random.default_rng(0)
        for start in range(0, count, 4096):
            stop = min(count, start + 4096)
            data[start:stop] = g.standard_normal(
                (stop - start, 3, CLIP_LENGTH, 25, 2), dtype=np.float32)
        data.flush()
        del data
        with open(osp.join(tmp, 'train_label.pkl'), 'wb') as f:
            pickle.dump(([f's{i}' for i in range(count)],
                         [i % 60 for i in range(count)]), f)
    label = args.label or osp.join(osp.dirname(path), 'train_label.pkl')
    try:
        size = os.path.getsize(path) / 2**30
        with open('/proc/self/clear_refs', 'w') as f:
            f.write('5')  # restart the peak (VmHWM) from here
        before = _rss_mb()
        dataset = PSTLSkeletonDataset(path, pipeline=[], label_file=label)
        step = max(1, len(dataset) // args.samples)
        for i in range(0, len(dataset), step):
            dataset[i]
        print(f'dataset over {path} ({size:.2f} GB, {len(dataset)} samples)')
        peak = _rss_mb('VmHWM')
        print(f'  resident before {before:.0f} MB (Python, torch, mmaction), '
              f'peak while iterating {peak:.0f} MB: the dataset added '
              f'{peak - before:.0f} MB after reading '
              f'{len(range(0, len(dataset), step))} samples spread over '
              'the whole file')
    finally:
        if tmp is not None:
            for name in os.listdir(tmp):
                os.remove(osp.join(tmp, name))
            os.rmdir(tmp)
    return 0


RUNNER_SCRIPT = r'''
import sys
from mmengine.config import Config
cfg = Config.fromfile(sys.argv[2])  # its custom_imports import pstl_mm
cfg.merge_from_dict(eval(sys.argv[3]))
if sys.argv[1] == 'RUNNERS.build':
    from mmaction.registry import RUNNERS
    runner = RUNNERS.build(cfg)
else:
    from mmengine.runner import Runner
    runner = Runner.from_cfg(cfg)
runner.train()
'''
RUNNER_MODES = ('tools/train.py', 'RUNNERS.build', 'Runner.from_cfg')
#: What a child process's peak resident memory is read with.
CHILD_PEAK = ('import resource, subprocess, sys; '
              'code = subprocess.run(sys.argv[1:]).returncode; '
              'print("PEAK_KB", resource.getrusage('
              'resource.RUSAGE_CHILDREN).ru_maxrss); sys.exit(code)')


def _train_py_command(config: str, options: dict) -> list:
    """``tools/train.py config --cfg-options ...`` with ``options`` (strings
    quoted, as ``DictAction`` reads them)."""
    import json
    return [sys.executable, osp.join(REPO, 'tools', 'train.py'), config,
            '--cfg-options'] + [
                f'{k}={json.dumps(v) if isinstance(v, str) else v}'
                for k, v in options.items()]


def _scalars(work_dir: str) -> list:
    """The records of MMEngine's ``scalars.json`` under ``work_dir`` (empty
    without one)."""
    import json
    for root, _, files in os.walk(work_dir):
        if 'scalars.json' in files:
            with open(osp.join(root, 'scalars.json')) as f:
                return [json.loads(line) for line in f]
    return []


def _runner_row(mode: str, ann_file: str, work_dir: str, args) -> dict:
    """Pretrain ``args.iters`` iterations on ``ann_file`` with the runner
    ``mode`` builds, in a fresh process; seconds per iteration (MMEngine's
    ``time`` of each iteration, data loading included) after the first, and
    peak memory."""
    import subprocess
    options = {
        'train_dataloader.dataset.ann_file': ann_file,
        'train_dataloader.dataset.split': None,
        'train_dataloader.batch_size': args.batch,
        'train_dataloader.num_workers': args.workers,
        'train_cfg.max_epochs': 1, 'default_hooks.checkpoint': None,
        'default_hooks.logger.interval': 1, 'log_processor.window_size': 1,
        'work_dir': work_dir}
    if mode == 'tools/train.py':
        cmd = _train_py_command(CONFIG, options)
    else:
        cmd = [sys.executable, '-c', RUNNER_SCRIPT, mode, CONFIG,
               repr(options)]
    env = {k: v for k, v in os.environ.items()
           if k != 'THP_MEM_ALLOC_ENABLE'}
    proc = subprocess.run([sys.executable, '-c', CHILD_PEAK, *cmd],
                          cwd=REPO, env=env, capture_output=True, text=True)
    times = [r['time'] for r in _scalars(work_dir) if 'time' in r]
    if proc.returncode != 0 or len(times) < 2:
        raise RuntimeError(f'{mode} failed (exit {proc.returncode}, '
                           f'{len(times)} timed iterations):\n'
                           f'{proc.stderr[-3000:]}')
    peak_kb = int(proc.stdout.split('PEAK_KB')[-1].split()[0])
    return dict(seconds=float(np.median(times[1:])), peak_mb=peak_kb / 1024)


def runners_command(args) -> int:
    """The same pretraining iterations through ``tools/train.py``, a
    script's ``RUNNERS.build(cfg)`` and mmengine's ``Runner.from_cfg(cfg)``,
    alternating, each in a fresh process without ``THP_MEM_ALLOC_ENABLE``
    in its environment."""
    import shutil

    from pstl_mm.datasets.synthetic import make_synthetic_annotations
    tmp = tempfile.mkdtemp(prefix='pstl_runners_')
    results = {mode: [] for mode in RUNNER_MODES}
    try:
        per_class = -(-args.batch * args.iters // len(
            make_synthetic_annotations(1)))
        anns = make_synthetic_annotations(per_class, seed=0, num_person=2)[
            :args.batch * args.iters]
        ann_file = osp.join(tmp, 'clips.pkl')
        with open(ann_file, 'wb') as f:
            pickle.dump(dict(annotations=anns), f)
        for repeat in range(args.repeats):
            for i, mode in enumerate(RUNNER_MODES):
                res = _runner_row(mode, ann_file,
                                  osp.join(tmp, f'run{repeat}_{i}'), args)
                results[mode].append(res)
                print(f'  .. {mode:<16} {res["seconds"]:7.2f} s/iter '
                      f'{res["peak_mb"]:8.0f} MB peak', flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f'\npretraining iterations of configs/pstl/pstl_ntu60_xsub.py on '
          f'{len(anns)} synthetic clips, batch {args.batch}, '
          f'{args.workers} data worker(s), median (min-max) of the '
          f'iterations after the first, {args.repeats} alternating '
          'repeat(s)')
    print('| built by | s/iter | peak resident MB | s/iter vs tools/train.py '
          '| peak vs tools/train.py |')
    print('|---|---|---|---|---|')
    ref = results[RUNNER_MODES[0]]
    ref_sec = float(np.median([r['seconds'] for r in ref]))
    ref_peak = float(np.median([r['peak_mb'] for r in ref]))
    for mode in RUNNER_MODES:
        secs = [r['seconds'] for r in results[mode]]
        peak = float(np.median([r['peak_mb'] for r in results[mode]]))
        print(f'| `{mode}` | {np.median(secs):.2f} ({min(secs):.2f}-'
              f'{max(secs):.2f}) | {peak:.0f} | '
              f'x{np.median(secs) / ref_sec:.2f} | x{peak / ref_peak:.2f} |')
    return 0


def _epoch_times(work_dir: str) -> list:
    """Per epoch, the ``time`` of each iteration (MMEngine's scalars.json,
    logged every iteration with ``log_processor.window_size=1``: the
    iteration's own time, not a running mean), in order."""
    epochs = {}
    for record in _scalars(work_dir):
        if 'time' in record and 'epoch' in record:
            epochs.setdefault(record['epoch'], []).append(record['time'])
    return [epochs[e] for e in sorted(epochs)]


def project_run(epoch_seconds: list, epochs: int) -> float:
    """Seconds of an ``epochs``-epoch run from the measured epochs: the
    first as it was (compiling, warm-up), each later one as the median of
    the measured later ones."""
    if epochs <= 1 or len(epoch_seconds) == 1:
        rest = epoch_seconds[0]
    else:
        rest = float(np.median(epoch_seconds[1:]))
    return epoch_seconds[0] + (epochs - 1) * rest


def compile_command(args) -> int:
    """Eager against ``compile=True`` over a config's real pretraining."""
    import shutil
    import subprocess
    config = osp.abspath(args.config)
    tmp = tempfile.mkdtemp(prefix='pstl_compile_')
    sides = {}
    try:
        for compiled in (False, True):
            options = {'train_cfg.max_epochs': args.run_epochs,
                       'default_hooks.checkpoint': None,
                       'default_hooks.logger.interval': 1,
                       'log_processor.window_size': 1,
                       'randomness.seed': 0}
            if args.ann_file:
                options['train_dataloader.dataset.ann_file'] = osp.abspath(
                    args.ann_file)
            if compiled:
                options['compile.backend'] = args.compile_backend
            work_dir = osp.join(tmp, 'compiled' if compiled else 'eager')
            options['work_dir'] = work_dir
            cmd = _train_py_command(config, options)
            start = time.perf_counter()
            proc = subprocess.run(cmd, cwd=REPO, capture_output=True,
                                  text=True)
            wall = time.perf_counter() - start
            per_epoch = _epoch_times(work_dir)
            if proc.returncode != 0 or len(per_epoch) < args.run_epochs:
                raise RuntimeError(
                    f'{"compiled" if compiled else "eager"} run failed '
                    f'(exit {proc.returncode}, {len(per_epoch)} epochs '
                    f'logged):\n{proc.stderr[-3000:]}')
            sides[compiled] = dict(
                wall=wall, epochs=[float(sum(t)) for t in per_epoch],
                first_iter=per_epoch[0][0],
                iter_median=float(np.median(
                    [t for e in per_epoch[1:] for t in e] or per_epoch[0])))
            print(f'  .. {"compiled" if compiled else "eager":<8} epochs '
                  + ', '.join(f'{s:.1f}' for s in sides[compiled]['epochs'])
                  + f' s (process {wall:.0f} s)', flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    name = osp.relpath(config, REPO)
    print(f'\n{name}, {args.run_epochs} epoch(s) each side, '
          f'{torch.get_num_threads()} threads, torch {torch.__version__}; '
          f'projected to {args.epochs} epochs as the first epoch plus '
          f'{args.epochs - 1} x the median later epoch')
    print(f'| compile | first iteration (s) | later iterations, median (s) '
          f'| epochs (s) | {args.epochs} epochs (min) | vs eager |')
    print('|---|---|---|---|---|---|')
    eager = project_run(sides[False]['epochs'], args.epochs)
    for compiled, side in sides.items():
        total = project_run(side['epochs'], args.epochs)
        print(f'| {args.compile_backend if compiled else "off"} | '
              f'{side["first_iter"]:.1f} | {side["iter_median"]:.2f} | '
              + ' / '.join(f'{s:.0f}' for s in side['epochs'])
              + f' | {total / 60:.1f} | x{eager / total:.2f} |')
    return 0


#: Training clips of NTU-60 cross-subject (CrosSCLR/AimCLR data, the
#: paper's): what one pretraining epoch goes through.
NTU60_XSUB_TRAIN = 40091
#: The markers of ``docs/benchmarks.md``'s GPU rows.
GPU_MARKER = 'gpu-steps'


def project_hours(seconds_per_step: float, samples: int, batch: int,
                  epochs: int) -> float:
    """Hours of ``epochs`` epochs over ``samples`` clips at ``batch`` per
    step (the last, partial batch counted as a step) and
    ``seconds_per_step``."""
    return epochs * -(-samples // batch) * seconds_per_step / 3600


def _to(value, device):
    if isinstance(value, torch.Tensor):
        return value.to(device)
    if isinstance(value, dict):
        return {k: _to(v, device) for k, v in value.items()}
    return value


def _device_step_row(device, amp: bool, compiled: bool, args) -> dict:
    """Time the configured pretraining step on ``device`` (bf16 autocast
    with ``amp``, ``torch.compile(fullgraph=True)`` of ``model.loss`` with
    ``compiled``): median seconds of ``args.steps`` steps after the first,
    which (compiled) includes compiling."""
    from mmaction.registry import MODELS
    cfg = _build(CONFIG, **dict(args.cfg_options or {}))
    torch.manual_seed(0)
    model = MODELS.build(cfg.model).to(device).train()
    optim = _optimizer(model, cfg)
    inputs = _to(_step_inputs(args.batch, cfg.model.backbone.num_person,
                              'csm'), device)
    torch._dynamo.reset()
    loss_fn = (torch.compile(model.loss, backend=args.compile_backend,
                             fullgraph=True) if compiled else model.loss)
    sync = (torch.cuda.synchronize if device.type == 'cuda' else
            (lambda: None))
    if device.type == 'cuda':
        torch.cuda.reset_peak_memory_stats(device)
    times = []
    for _ in range(args.steps + 1):
        sync()
        start = time.perf_counter()
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=amp):
            losses = loss_fn(inputs)
        loss = sum(losses.values())
        optim.zero_grad(set_to_none=True)
        loss.backward()
        optim.step()
        sync()
        times.append(time.perf_counter() - start)
    torch._dynamo.reset()
    seconds = float(np.median(times[1:]))
    return dict(
        amp=amp, compiled=compiled, seconds=seconds,
        first=times[0] - seconds, loss=float(loss.detach()),
        peak_mb=(torch.cuda.max_memory_allocated(device) / 2**20
                 if device.type == 'cuda' else None))


def gpu_command(args) -> int:
    """The configured pretraining step with AMP (bf16) off/on and compile
    off/on, the 150-epoch projection, rows written into the markdown."""
    import datetime
    import subprocess
    device = torch.device(args.device or (
        'cuda' if torch.cuda.is_available() else 'cpu'))
    if device.type != 'cuda' and not args.dry_run:
        print('error: no CUDA device; --dry-run checks the command on '
              f'{device}', file=sys.stderr)
        return 2
    rows = [_device_step_row(device, amp, compiled, args)
            for compiled in (False, True) for amp in (False, True)]
    name = (torch.cuda.get_device_name(device) if device.type == 'cuda'
            else f'CPU, {torch.get_num_threads()} threads (dry run)')
    commit = subprocess.run(['git', 'rev-parse', '--short', 'HEAD'],
                            cwd=REPO, capture_output=True,
                            text=True).stdout.strip() or 'unknown'
    lines = [
        f'{name}, torch {torch.__version__}, commit {commit}, '
        f'{datetime.date.today()}: `configs/pstl/pstl_ntu60_xsub.py`, '
        f'batch {args.batch} (CSM per sample), median of {args.steps} steps '
        f'after the first; {args.epochs} epochs x '
        f'{-(-args.samples // args.batch)} steps ({args.samples} clips)'
        + (f'; options {dict(args.cfg_options)}' if args.cfg_options
           else '') + '\n', '',
        '| AMP (bf16) | compile | s/step | samples/s | first step - median '
        f'(s) | peak allocated MB | {args.epochs} epochs (h) |',
        '|---|---|---|---|---|---|---|'
    ]
    for row in rows:
        peak = '-' if row['peak_mb'] is None else f'{row["peak_mb"]:.0f}'
        hours = project_hours(row['seconds'], args.samples, args.batch,
                              args.epochs)
        lines.append(
            f'| {"on" if row["amp"] else "off"} | '
            f'{args.compile_backend if row["compiled"] else "off"} | '
            f'{row["seconds"]:.4f} | {args.batch / row["seconds"]:.1f} | '
            f'{row["first"]:.1f} | {peak} | {hours:.2f} |')
    table = '\n'.join(lines) + '\n'
    print(table)
    if args.markdown:
        from pstl_mm.results.report_markdown import write_between_markers
        write_between_markers(args.markdown, table.rstrip('\n'), GPU_MARKER)
        print(f'wrote the rows into {args.markdown}')
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    commands = parser.add_subparsers(dest='command', required=True)
    step = commands.add_parser('step', help='pretraining step throughput')
    step.add_argument('--batch', type=int, default=32)
    step.add_argument('--iters', type=int, default=3)
    step.add_argument('--warmup', type=int, default=3,
                      help='steps run before the timed ones, on each side '
                      '(the heap and the allocator settle over the first '
                      'steps)')
    step.add_argument('--num-person', type=int, default=2)
    step.add_argument('--repeats', type=int, default=1)
    step.add_argument('--variants', nargs='+', choices=list(STEP_VARIANTS),
                      default=list(STEP_VARIANTS))
    step.add_argument('--baseline', help='another checkout to compare with')
    step.add_argument('--authors', help='the folder holding the authors\' '
                      'code (pstl_official/) and official_step.py, e.g. '
                      '../shared/reference: their step runs too, and ratios '
                      'are taken against it')
    step.add_argument('--authors-python', help='a Python with torch, '
                      'sacred, einops and tqdm for the authors\' step '
                      '(default: a virtual environment made in a temporary '
                      'folder)')
    step.set_defaults(func=step_command)
    worker = commands.add_parser('step-worker')
    worker.add_argument('--repo', default=REPO)
    worker.add_argument('--variant', choices=list(STEP_VARIANTS),
                        default='configured')
    worker.add_argument('--batch', type=int, default=32)
    worker.add_argument('--iters', type=int, default=3)
    worker.add_argument('--warmup', type=int, default=3)
    worker.add_argument('--num-person', type=int, default=2)
    worker.set_defaults(func=step_worker_command)
    gpu = commands.add_parser(
        'gpu', help='GPU steps: AMP and compile off/on, 150-epoch projection')
    gpu.add_argument('--device', help='default: cuda')
    gpu.add_argument('--dry-run', action='store_true',
                     help='allow a device other than CUDA (checks the '
                     'command)')
    gpu.add_argument('--batch', type=int, default=128)
    gpu.add_argument('--steps', type=int, default=20)
    gpu.add_argument('--epochs', type=int, default=150)
    gpu.add_argument('--samples', type=int, default=NTU60_XSUB_TRAIN)
    gpu.add_argument('--compile-backend', default='inductor')
    gpu.add_argument('--markdown', default=osp.join(REPO, 'docs',
                                                    'benchmarks.md'),
                     help='the file whose gpu-steps section gets the rows '
                     '("" to print only)')
    gpu.add_argument('--cfg-options', nargs='+', action=DictAction,
                     help='overrides of the pretraining config')
    gpu.set_defaults(func=gpu_command)
    runners = commands.add_parser(
        'runners', help='tools/train.py vs RUNNERS.build vs Runner.from_cfg')
    runners.add_argument('--batch', type=int, default=64)
    runners.add_argument('--iters', type=int, default=4)
    runners.add_argument('--workers', type=int, default=1)
    runners.add_argument('--repeats', type=int, default=2)
    runners.set_defaults(func=runners_command)
    comp = commands.add_parser(
        'compile', help='eager vs compile=True over a config\'s real '
        'pretraining, projected to a whole run')
    comp.add_argument('--config', default=osp.join(
        REPO, 'configs', 'pstl', 'pstl_nw_ucla_xview.py'))
    comp.add_argument('--ann-file', help='default: the config\'s')
    comp.add_argument('--run-epochs', type=int, default=2,
                      help='epochs run on each side')
    comp.add_argument('--epochs', type=int, default=20,
                      help='the run the projection is for')
    comp.add_argument('--compile-backend', default='inductor')
    comp.set_defaults(func=compile_command)
    pipe = commands.add_parser('pipeline', help='data pipeline throughput')
    pipe.add_argument('--samples', type=int, default=200)
    pipe.add_argument('--repeats', type=int, default=5,
                      help='passes over the samples (median reported)')
    pipe.set_defaults(func=pipeline_command)
    mem = commands.add_parser('memory', help='resident memory of a dataset')
    mem.add_argument('--npy', help='an existing *_data_joint.npy')
    mem.add_argument('--label', help='its *_label.pkl (default: beside it)')
    mem.add_argument('--size-gb', type=float, default=2.5)
    mem.add_argument('--samples', type=int, default=2000)
    mem.set_defaults(func=memory_command)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == '__main__':
    sys.exit(main())
