"""The NW-UCLA results (docs/results.md) from one command.

On NW-UCLA cross-view (train views 1+2, test view 3) this pretrains PSTL
(paper mode) and SkeletonBT with each seed, then evaluates every encoder and
a randomly initialised one:

- linear: the linear protocol's classifier (Adam lr 0.01, batch 128, cosine
  over 150 epochs) on the frozen encoder's features, computed once per
  encoder (:mod:`pstl_mm.evaluation.linear_probe`), on raw features and on
  features standardised by a BatchNorm without affine parameters;
- kNN: cosine kNN top-1 with k = 1 and k = 20 (:func:`knn_top1`);
- partial body (PSTL and SkeletonBT): the linear classifier with its encoder,
  tested by ``tools/test.py configs/pstl/partial_body/
  partial_body_nw_ucla_xview.py`` (joints 0-8, parts 0-4, drop mode).

``--ablations`` adds PSTL with the authors' batch-shared draws, CSM only and
MATM only, with the first seed. Every finished step leaves its result in the
work dir and is skipped when the command runs again (an interrupted
pretraining resumes from its last checkpoint). After every step the JSON
(``--json``) and the tables in ``--markdown`` (between the markers
``<!-- nw_ucla:begin -->`` and ``<!-- nw_ucla:end -->``) are rewritten from
what has finished; the runs' logs are copied to ``--logs``.

    make results-nwucla                      # PSTL, SkeletonBT, random init
    make results-nwucla ABLATIONS=1          # and the three ablations
    python tools/results_nwucla.py --src nw_ucla_all_sqe.tgz
"""
import argparse
import glob
import json
import os
import os.path as osp
import platform
import re
import shutil
import subprocess
import sys
import time
from datetime import datetime

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, ROOT)

#: Pretrainings: name -> (config, what the tables call it).
ENCODERS = {
    'pstl': ('configs/pstl/pstl_nw_ucla_xview.py', 'PSTL'),
    'skeletonbt': ('configs/pstl/skeletonbt_nw_ucla_xview.py', 'SkeletonBT'),
}
ABLATIONS = {
    'pstl_reference':
    ('configs/pstl/ablation/ablation_reference_nw_ucla_xview.py',
     'PSTL, batch-shared draws (authors\' code)'),
    'csm_only': ('configs/pstl/ablation/ablation_csm_nw_ucla_xview.py',
                 'SkeletonBT + CSM'),
    'matm_only': ('configs/pstl/ablation/ablation_matm_nw_ucla_xview.py',
                  'SkeletonBT + MATM'),
}
RANDOM_INIT = ('random_init', 'Random init (frozen)')
LINEAR_CONFIG = 'configs/pstl/linear/linear_nw_ucla_xview.py'
PARTIAL_BODY_CONFIG = 'configs/pstl/partial_body/partial_body_nw_ucla_xview.py'
NUM_CLASSES = 10
BEGIN, END = '<!-- nw_ucla:begin -->', '<!-- nw_ucla:end -->'


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Pretrain PSTL and SkeletonBT on NW-UCLA and write the '
        'results tables (linear, kNN, partial body).')
    parser.add_argument(
        '--src',
        default=osp.join(ROOT, '..', 'shared', 'data', 'nw_ucla',
                         'nw_ucla_all_sqe.tgz'),
        help='NW-UCLA archive, converted when --ann-file is missing')
    parser.add_argument('--ann-file', default='data/nw_ucla/nw_ucla_pstl.pkl',
                        help='the converted annotation file')
    parser.add_argument('--work-dir', default='work_dirs/results_nw_ucla')
    parser.add_argument('--seeds', type=int, nargs='+', default=[0, 1])
    parser.add_argument('--ablations', action='store_true',
                        help='also PSTL (batch-shared draws), CSM and MATM '
                        'only, with the first seed')
    parser.add_argument('--json', default='docs/results_nw_ucla.json')
    parser.add_argument('--markdown', default='docs/results.md')
    parser.add_argument('--logs', default='docs/results_nw_ucla',
                        help='where the runs\' logs and plots are copied')
    parser.add_argument('--probe-epochs', type=int, default=150,
                        help='epochs of the linear classifier (protocol: 150)')
    # Smaller runs (tests, trials); the results use the configs' values.
    parser.add_argument('--epochs', type=int, default=None,
                        help='pretraining epochs (default: the configs\')')
    parser.add_argument('--batch-size', type=int, default=None,
                        help='pretraining batch (default: the configs\')')
    parser.add_argument('--limit', type=int, default=None,
                        help='use the first N clips of each split only')
    parser.add_argument('--no-partial-body', action='store_true')
    return parser.parse_args(argv)


class Results:
    """Runs the steps; keeps what finished in ``<work_dir>/<run>/*.json``."""

    def __init__(self, args):
        self.args = args
        self.work_dir = args.work_dir
        self.encoders = dict(ENCODERS)
        if args.ablations:
            self.encoders.update(ABLATIONS)
        from mmengine.config import Config
        cfg = Config.fromfile(osp.join(ROOT, ENCODERS['pstl'][0]))
        self.epochs = args.epochs or cfg.train_cfg.max_epochs
        self.started = time.time()

    # -- bookkeeping -------------------------------------------------------
    def runs(self):
        """(run, encoder name, seed) in the order they are computed."""
        for seed in self.args.seeds:
            yield f'{RANDOM_INIT[0]}_seed{seed}', RANDOM_INIT[0], seed
            for name in ENCODERS:
                yield f'{name}_seed{seed}', name, seed
        if self.args.ablations:
            for name in ABLATIONS:
                yield f'{name}_seed{self.args.seeds[0]}', name, \
                    self.args.seeds[0]

    def path(self, run, *names):
        return osp.join(self.work_dir, run, *names)

    def log(self, message):
        minutes = (time.time() - self.started) / 60
        line = f'[{minutes:6.1f} min] {message}'
        print(line, flush=True)
        os.makedirs(self.work_dir, exist_ok=True)
        with open(osp.join(self.work_dir, 'results.log'), 'a') as f:
            f.write(f'{datetime.now().isoformat(timespec="seconds")} '
                    f'{line}\n')

    def load(self, run, step):
        path = self.path(run, f'{step}.json')
        if osp.isfile(path):
            with open(path) as f:
                return json.load(f)
        return None

    def save(self, run, step, value):
        os.makedirs(self.path(run), exist_ok=True)
        with open(self.path(run, f'{step}.json'), 'w') as f:
            json.dump(value, f, indent=2)

    # -- steps -------------------------------------------------------------
    def data_options(self, loaders):
        """--cfg-options that point ``loaders`` at the annotation file."""
        options = []
        for loader in loaders:
            options.append(f'{loader}.dataset.ann_file={self.args.ann_file}')
            if self.args.limit:
                options.append(f'{loader}.dataset.indices={self.args.limit}')
        return options

    def ensure_data(self):
        if osp.isfile(self.args.ann_file):
            return
        if not osp.isfile(self.args.src):
            raise SystemExit(
                f'results_nwucla: neither {self.args.ann_file} nor the '
                f'NW-UCLA archive {self.args.src} exists; give --src '
                'nw_ucla_all_sqe.tgz')
        out_dir = osp.dirname(self.args.ann_file) or '.'
        self.log(f'converting {self.args.src} into {out_dir}')
        subprocess.run([
            sys.executable,
            osp.join(ROOT, 'tools', 'data', 'convert.py'), 'nw_ucla', '--src',
            self.args.src, '--out-dir', out_dir
        ], check=True, stdout=subprocess.DEVNULL)
        if not osp.isfile(self.args.ann_file):
            raise SystemExit(f'results_nwucla: the conversion wrote no '
                             f'{self.args.ann_file}')

    def run_tool(self, argv, out_file, progress=None):
        """Run a tool, its output into ``out_file``; follow its epochs."""
        os.makedirs(osp.dirname(out_file), exist_ok=True)
        with open(out_file, 'a') as out:
            proc = subprocess.Popen([sys.executable] + argv, cwd=os.getcwd(),
                                    stdout=out, stderr=subprocess.STDOUT)
            while proc.poll() is None:
                time.sleep(5)
                if progress is not None:
                    progress(out_file)
            if progress is not None:
                progress(out_file)
        if proc.returncode:
            with open(out_file) as f:
                tail = ''.join(f.readlines()[-30:])
            raise SystemExit(f'results_nwucla: {" ".join(argv[:2])} failed '
                             f'(exit {proc.returncode}); the end of '
                             f'{out_file}:\n{tail}')

    def epoch_progress(self, run, out_file):
        """A callback printing each pretraining epoch and loss that
        ``out_file`` gains from now on."""
        pattern = re.compile(
            r'Epoch\(train\)\s+\[(\d+)\]\[(\d+)/(\d+)\].*?\sloss: ([\d.e+-]+)')

        state = dict(done=0, offset=osp.getsize(out_file)
                     if osp.isfile(out_file) else 0)

        def progress(out_file):
            # Only what the run wrote since the last call, whole lines.
            with open(out_file, 'rb') as f:
                f.seek(state['offset'])
                lines = f.readlines()
            if lines and not lines[-1].endswith(b'\n'):
                lines.pop()
            state['offset'] += sum(len(line) for line in lines)
            for line in lines:
                match = pattern.search(line.decode(errors='replace'))
                if not match:
                    continue
                epoch, it, total, loss = match.groups()
                if it == total and int(epoch) > state['done']:
                    state['done'] = int(epoch)
                    self.log(f'  {run}: epoch {epoch}/{self.epochs} '
                             f'loss {float(loss):.1f}')

        return progress

    def pretrain(self, run, name, seed):
        """The run's last pretraining checkpoint, trained if missing."""
        ckpt = self.path(run, f'epoch_{self.epochs}.pth')
        if osp.isfile(ckpt):
            return ckpt
        config = self.encoders[name][0]
        options = self.data_options(['train_dataloader']) + [
            f'train_cfg.max_epochs={self.epochs}',
            'default_hooks.checkpoint.interval=5',
            'default_hooks.checkpoint.max_keep_ckpts=1',
        ]
        if self.args.batch_size:
            options.append(
                f'train_dataloader.batch_size={self.args.batch_size}')
        argv = [
            osp.join(ROOT, 'tools', 'train.py'), config, '--work-dir',
            self.path(run), '--seed',
            str(seed), '--cfg-options'
        ] + options
        if osp.isfile(self.path(run, 'last_checkpoint')):
            argv.insert(2, '--resume')
        self.log(f'pretraining {run} ({config}, {self.epochs} epochs)')
        begin = time.time()
        out_file = self.path(run, 'train.out')
        self.run_tool(argv, out_file, self.epoch_progress(run, out_file))
        if not osp.isfile(ckpt):
            raise SystemExit(f'results_nwucla: {run} wrote no {ckpt}')
        self.save(run, 'pretrain', dict(
            config=config, seed=seed, epochs=self.epochs,
            minutes=(time.time() - begin) / 60))
        self.copy_logs(run)
        return ckpt

    def copy_logs(self, run):
        for path in sorted(glob.glob(self.path(run, '*', '*.log'))):
            dest = osp.join(self.args.logs, run, osp.basename(path))
            os.makedirs(osp.dirname(dest), exist_ok=True)
            shutil.copyfile(path, dest)

    def encoder(self, name, seed, ckpt):
        """The frozen encoder of a pretraining checkpoint, or (``ckpt`` None)
        a random initialisation."""
        import torch

        from pstl_mm.apis import init_encoder
        if ckpt is not None:
            return init_encoder(self.encoders[name][0], ckpt)
        # A random initialisation drawn from its own seed.
        with torch.random.fork_rng():
            torch.manual_seed(seed)
            return init_encoder(ENCODERS['pstl'][0])

    def features(self, run, name, seed, ckpt):
        """Train/test features of the run's encoder (cached as .npz)."""
        import numpy as np

        path = self.path(run, 'features.npz')
        if osp.isfile(path):
            return dict(np.load(path))
        from pstl_mm.apis import build_clip_dataset, dataset_features
        encoder = self.encoder(name, seed, ckpt)
        out = {}
        for part, split in (('train', 'xview_train'), ('test', 'xview_val')):
            dataset = build_clip_dataset(LINEAR_CONFIG, self.args.ann_file,
                                         split=split)
            indices = range(min(len(dataset), self.args.limit or
                                len(dataset)))
            feats = dataset_features(encoder, dataset, indices)
            for key, value in feats.items():
                out[f'{part}_{key}'] = value
        os.makedirs(self.path(run), exist_ok=True)
        np.savez(path, **out)
        return out

    def probe_settings(self):
        """What the linear results depend on besides the features; results
        computed otherwise are computed again."""
        from pstl_mm.evaluation.linear_probe import STANDARDISE_EPS
        return dict(epochs=self.args.probe_epochs, lr=0.01, batch_size=128,
                    standardise_eps=STANDARDISE_EPS)

    def evaluate(self, run, name, seed, ckpt):
        """Linear (raw, standardised) and kNN top-1 of one encoder."""
        linear = self.load(run, 'linear')
        if linear and linear.get('probe') == self.probe_settings() and \
                self.load(run, 'knn'):
            return
        import numpy as np
        import torch

        from pstl_mm.evaluation import knn_top1, linear_probe_top1
        begin = time.time()
        feats = self.features(run, name, seed, ckpt)
        train = (feats['train_features'], feats['train_labels'])
        test = (feats['test_features'], feats['test_labels'])
        linear = {}
        settings = self.probe_settings()
        for key, standardise in (('raw', False), ('standardised', True)):
            result = linear_probe_top1(
                *train, *test, num_classes=NUM_CLASSES,
                epochs=settings['epochs'], lr=settings['lr'],
                batch_size=settings['batch_size'], standardise=standardise,
                seed=seed)
            linear[key] = 100 * result['top1']
            if not standardise:
                torch.save(result['probe'].state_dict(),
                           self.path(run, 'probe.pth'))
        spread = float(np.std(train[0], axis=0).mean())
        share = class_variance_share(*train)
        self.save(run, 'linear', dict(linear, feature_std=spread,
                                      class_share=share, probe=settings))
        ks = tuple(k for k in (1, 20) if k <= len(train[1]))
        knn = knn_top1(torch.from_numpy(train[0]), torch.from_numpy(train[1]),
                       torch.from_numpy(test[0]), torch.from_numpy(test[1]),
                       ks=ks)
        self.save(run, 'knn', {f'k{k}': 100 * v for k, v in knn.items()})
        self.log(f'{run}: linear {linear["raw"]:.1f} (standardised '
                 f'{linear["standardised"]:.1f}), kNN '
                 + ', '.join(f'k={k} {100 * v:.1f}' for k, v in knn.items())
                 + f', feature std {spread:.2g}, class share of the '
                 f'variance {share:.2f} ({time.time() - begin:.0f} s)')

    def partial_body(self, run, ckpt):
        """Partial-body rows of the linear classifier with its encoder."""
        if self.load(run, 'partial_body'):
            return
        import torch

        from pstl_mm.apis.encoder import encoder_state_dict, \
            load_checkpoint_file
        state = {
            f'backbone.{k}': v
            for k, v in encoder_state_dict(load_checkpoint_file(ckpt),
                                           ckpt).items()
        }
        probe = torch.load(self.path(run, 'probe.pth'))
        # GCNHead's classifier is its ``fc``, as the probe's.
        state.update({f'cls_head.{k}': v for k, v in probe.items()
                      if k.startswith('fc.')})
        recognizer = self.path(run, 'linear_probe.pth')
        torch.save(dict(state_dict=state, meta=dict(
            pretraining=ckpt, classifier='tools/results_nwucla.py linear '
            'probe')), recognizer)
        out_dir = self.path(run, 'partial_body')
        self.log(f'partial body of {run}')
        self.run_tool([
            osp.join(ROOT, 'tools', 'test.py'), PARTIAL_BODY_CONFIG,
            recognizer, '--work-dir', out_dir, '--cfg-options',
            f'randomness.seed={self.args.seeds[0]}'
        ] + self.data_options(['test_dataloader']),
                      osp.join(out_dir, 'test.out'))
        reports = sorted(glob.glob(osp.join(out_dir, '*',
                                            'partial_body.json')))
        if not reports:
            raise SystemExit(f'results_nwucla: {run}: no partial_body.json '
                             f'under {out_dir}')
        with open(reports[-1]) as f:
            rows = json.load(f)['rows']
        table = {}
        for row in rows:
            table.setdefault(row['kind'], {})[str(row['level'])] = \
                100 * row['top1']
        self.save(run, 'partial_body', table)
        dest = osp.join(self.args.logs, run)
        os.makedirs(dest, exist_ok=True)
        shutil.copyfile(reports[-1].replace('.json', '.png'),
                        osp.join(dest, 'partial_body.png'))
        for path in glob.glob(osp.join(out_dir, '*', '*.log')):
            shutil.copyfile(path, osp.join(dest, 'partial_body.log'))

    # -- report ------------------------------------------------------------
    def gather(self):
        """Everything finished so far, per encoder name."""
        import numpy as np

        names = [RANDOM_INIT[0]] + list(self.encoders)
        table = {n: {} for n in names}
        for run, name, _ in self.runs():
            for step in ('linear', 'knn', 'partial_body', 'pretrain'):
                value = self.load(run, step)
                if value is not None:
                    table[name].setdefault(step, []).append(value)

        def summary(values, digits=None):
            """Mean and runs, in percent to 2 decimals (or to ``digits``
            significant digits)."""
            values = [float(v) for v in values]

            def fmt(v):
                return round(v, 2) if digits is None else float(
                    f'{v:.{digits}g}')

            return dict(mean=fmt(float(np.mean(values))),
                        runs=[fmt(v) for v in values])

        def per_name(step, key, digits=None):
            out = {}
            for name in names:
                values = [v[key] for v in table[name].get(step, [])
                          if key in v]
                if values:
                    out[name] = summary(values, digits)
            return out

        partial = {}
        for name in names:
            reports = table[name].get('partial_body', [])
            if not reports:
                continue
            partial[name] = {
                kind: {
                    level: summary([r[kind][level] for r in reports])
                    for level in reports[0][kind]
                }
                for kind in reports[0]
            }
        minutes = {
            name: round(sum(p['minutes'] for p in table[name]['pretrain']),
                        1)
            for name in names if table[name].get('pretrain')
        }
        return dict(
            dataset='NW-UCLA cross-view (train views 1+2: 1,020 clips; '
            'test view 3: 464 clips)',
            unit='top-1 accuracy in percent; mean over seeds, and each run',
            pretrain_epochs=self.epochs,
            seeds=list(self.args.seeds),
            linear_top1=per_name('linear', 'raw'),
            linear_top1_standardised=per_name('linear', 'standardised'),
            knn_top1=per_name('knn', 'k20'),
            knn_top1_k1=per_name('knn', 'k1'),
            feature_std=per_name('linear', 'feature_std', digits=3),
            class_variance_share=per_name('linear', 'class_share', digits=3),
            partial_body_drop=partial,
            pretrain_minutes=minutes,
            command='make results-nwucla' +
            (' ABLATIONS=1' if self.args.ablations else ''),
            machine=machine(),
        )

    def report(self):
        results = self.gather()
        if self.args.json:
            os.makedirs(osp.dirname(self.args.json) or '.', exist_ok=True)
            with open(self.args.json, 'w') as f:
                json.dump(results, f, indent=2)
        if self.args.markdown:
            write_tables(self.args.markdown, tables(results, self.encoders))
        return results

    def __call__(self):
        self.ensure_data()
        for run, name, seed in self.runs():
            ckpt = None if name == RANDOM_INIT[0] else self.pretrain(
                run, name, seed)
            self.evaluate(run, name, seed, ckpt)
            if ckpt is not None and name in ENCODERS and \
                    not self.args.no_partial_body:
                self.partial_body(run, ckpt)
            self.report()
        self.log(f'done: {self.args.json}, {self.args.markdown}')
        return self.report()


def class_variance_share(feats, labels) -> float:
    """The share of the features' variance that lies between the classes.

    Args:
        feats (np.ndarray): (N, C) features.
        labels (np.ndarray): (N,) labels.

    Returns:
        float: sum over samples of |class mean - mean|^2 over sum of
        |feature - mean|^2 (1: every class is one point; 0: the class
        means coincide).
    """
    import numpy as np
    feats = np.asarray(feats, np.float64)
    centre = feats.mean(0)
    total = ((feats - centre)**2).sum()
    between = 0.0
    for label in np.unique(labels):
        members = feats[labels == label]
        between += len(members) * ((members.mean(0) - centre)**2).sum()
    return float(between / total) if total > 0 else 0.0


def machine():
    import torch
    return (f'{platform.machine()}, {os.cpu_count()} CPU cores, torch '
            f'{torch.__version__} ({torch.get_num_threads()} threads)')


def _cell(value):
    if not value:
        return '–'
    runs = value['runs']
    if len(runs) == 1:
        return f'{value["mean"]:.1f}'
    return f'{value["mean"]:.1f} ({" / ".join(f"{r:.1f}" for r in runs)})'


def tables(results, encoders):
    """The Markdown tables of :meth:`Results.gather`'s results."""
    labels = {RANDOM_INIT[0]: RANDOM_INIT[1]}
    labels.update({k: v[1] for k, v in encoders.items()})
    lines = [
        f'Pretraining: {results["pretrain_epochs"]} epochs, seeds '
        f'{", ".join(map(str, results["seeds"]))}; top-1 in %, mean over '
        'seeds (each seed in brackets). Machine: '
        f'{results["machine"]}.', '',
        '| Encoder | Linear | Linear, standardised features | '
        'kNN k=20 | kNN k=1 | Feature std | Class share of variance | '
        'Pretraining (min) |',
        '|---|---|---|---|---|---|---|---|'
    ]
    for name, label in labels.items():
        if name not in results['linear_top1']:
            continue
        std = results['feature_std'].get(name)
        share = results['class_variance_share'].get(name)
        lines.append(
            f'| {label} | {_cell(results["linear_top1"].get(name))} | '
            f'{_cell(results["linear_top1_standardised"].get(name))} | '
            f'{_cell(results["knn_top1"].get(name))} | '
            f'{_cell(results["knn_top1_k1"].get(name))} | '
            f'{std["mean"] if std else "–"} | '
            f'{share["mean"] if share else "–"} | '
            f'{results["pretrain_minutes"].get(name, "–")} |')
    partial = results['partial_body_drop']
    for kind, title in (('joints', 'Joints removed (of 20)'),
                        ('parts', 'Body parts removed (of 5)')):
        names = [n for n in labels if kind in partial.get(n, {})]
        if not names:
            continue
        levels = list(partial[names[0]][kind])
        lines += [
            '', f'Partial body, drop mode, linear classifier: {title}, '
            'top-1 in % (3 draws per level and seed)', '',
            '| Encoder | ' + ' | '.join(levels) + ' |',
            '|---' * (len(levels) + 1) + '|'
        ]
        for name in names:
            lines.append(f'| {labels[name]} | ' + ' | '.join(
                f'{partial[name][kind][lv]["mean"]:.1f}' for lv in levels)
                + ' |')
    return '\n'.join(lines)


def write_tables(path, text):
    """Put ``text`` between the markers of ``path`` (created if missing)."""
    block = f'{BEGIN}\n{text}\n{END}'
    content = ''
    if osp.isfile(path):
        with open(path) as f:
            content = f.read()
    if BEGIN in content and END in content:
        head, rest = content.split(BEGIN, 1)
        content = head + block + rest.split(END, 1)[1]
    else:
        content = (content + '\n' if content else '') + block + '\n'
    os.makedirs(osp.dirname(path) or '.', exist_ok=True)
    with open(path, 'w') as f:
        f.write(content)


def quiet():
    """Keep the stack's import-time warnings and load messages off the
    console (the runs' own output goes to their files)."""
    import logging
    import warnings
    for message in ('pkg_resources is deprecated',
                    'Fail to import ``MultiScaleDeformableAttention``'):
        warnings.filterwarnings('ignore', message=message)
    from mmengine.logging import MMLogger
    MMLogger.get_instance('mmengine').setLevel(logging.WARNING)


def main(argv=None):
    quiet()
    return Results(parse_args(argv))()


if __name__ == '__main__':
    main()
