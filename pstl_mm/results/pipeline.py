"""One dataset's results: pretrain, evaluate, write JSON and tables."""
import glob
import json
import os
import os.path as osp
import platform
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Dict, Iterator, Optional, Sequence, Tuple

import numpy as np
import torch

from .dataset_configs import find_dataset_configs
from .evaluate import evaluate_features
from .finetune_runs import FinetuneRuns
from .fingerprint import (PACKAGE_DIR, config_text, environment, file_sha256,
                          fingerprint, git_commit, resolved_config,
                          source_hash)
from .lazy_checkpoint import LazyCheckpoint
from .learning_curve import LearningCurve
from .protocol_settings import (knn_settings, partial_body_settings,
                                probe_settings)
from .report_json import summarise, write_json
from .report_markdown import headline, tables, write_between_markers
from .step_store import StepStore
from .tool_runs import EpochProgress, run_tool, test_argv, train_argv

#: The repository: ``tools/`` and ``configs/`` are under it.
ROOT = osp.dirname(PACKAGE_DIR)
RANDOM_INIT = 'random_init'


@dataclass
class ResultsOptions:
    """What a results run computes and where it writes.

    Args:
        dataset (str): The configs' dataset name, e.g. ``nw_ucla_xview``.
        config_dir (str): The config tree.
        seeds (Sequence[int]): A pretraining and a random init per seed.
        ablations (bool): Also the dataset's ablation configs (first seed).
        partial_body (bool): Evaluate the pretrainings' partial body.
        ann_file (str, optional): Default: the linear config's.
        src (str, optional): Raw data converted when ``ann_file`` is
            missing, by ``tools/data/convert.py <converter>``.
        converter (str, optional): The converter's dataset name.
        work_dir (str, optional): Default ``work_dirs/results_<dataset>``.
        json (str, optional): The JSON written (None: none).
        markdown (str, optional): The file whose tables are rewritten.
        readme (str, optional): A file whose headline paragraph (between
            the markers ``<tag>:headline``) is rewritten.
        marker (str, optional): The markers' tag, default the dataset.
        logs (str, optional): Where the runs' logs and plots are copied.
        epochs (int, optional): Pretraining epochs (default the configs').
        batch_size (int, optional): Pretraining batch (default the
            configs').
        limit (int, optional): Only the first N clips of each split.
        probe_epochs (int, optional): Default: the linear config's.
        extended (bool): Also the learning curve (:class:`LearningCurve`)
            and the fine-tuning rows (:class:`FinetuneRuns`).
        curve_epochs (int, optional): The learning curve's pretraining
            epochs (default: its configs').
        curve_every (int): Epochs between its evaluated checkpoints.
        finetune_epochs (int, optional): Default: the protocols' configs'.
        report_only (bool): Compute nothing; write the JSON and tables of
            what has finished under the current fingerprints.
        reuse_published (bool): Also reuse the step records under ``logs``
            (:class:`StepStore`), e.g. committed by an earlier run: compute
            only the steps they lack, and the pretrainings those need.
        command (str): The command line, recorded in the JSON.
    """
    dataset: str
    config_dir: str = osp.join('configs', 'pstl')
    seeds: Sequence[int] = (0, 1, 2)
    ablations: bool = False
    partial_body: bool = True
    ann_file: Optional[str] = None
    src: Optional[str] = None
    converter: Optional[str] = None
    work_dir: Optional[str] = None
    json: Optional[str] = None
    markdown: Optional[str] = None
    readme: Optional[str] = None
    marker: Optional[str] = None
    logs: Optional[str] = None
    epochs: Optional[int] = None
    batch_size: Optional[int] = None
    limit: Optional[int] = None
    probe_epochs: Optional[int] = None
    extended: bool = False
    curve_epochs: Optional[int] = None
    curve_every: int = 10
    finetune_epochs: Optional[int] = None
    report_only: bool = False
    reuse_published: bool = False
    command: str = ''


class ResultsPipeline:
    """Runs the steps of :class:`ResultsOptions`; reuses finished ones.

    Every step (``pretrain``, ``features``, ``evaluate``, ``partial_body``)
    of every run has a fingerprint: a hash of what determines it (the
    resolved config, the seed, the package's sources, the annotation file,
    the library versions and torch threads, the compile switch, and the
    fingerprint of the step it builds on). A finished step is reused only
    under the same fingerprint; an interrupted pretraining of the same
    fingerprint resumes from its last checkpoint.
    """

    def __init__(self, options: ResultsOptions) -> None:
        self.options = options
        self.configs = find_dataset_configs(options.dataset,
                                            options.config_dir)
        self.probe = probe_settings(self.configs.linear)
        if options.probe_epochs:
            self.probe = replace(self.probe, epochs=options.probe_epochs)
        self.ks, self.temperature = knn_settings(self.configs.knn)
        self.partial = None
        if options.partial_body and self.configs.partial_body:
            self.partial = partial_body_settings(self.configs.partial_body)
        self.ann_file = options.ann_file or self.probe.ann_file
        self.probe = replace(self.probe, ann_file=self.ann_file)
        self.work_dir = options.work_dir or osp.join(
            'work_dirs', f'results_{options.dataset}')
        self.encoders = dict(self.configs.pretrainings)
        if options.ablations:
            self.encoders.update(self.configs.ablations)
        self.labels = {
            name: self.configs.labels.get(name, name)
            for name in [RANDOM_INIT, *self.encoders]
        }
        self.root = ROOT
        self.curve = LearningCurve(self)
        self.finetunes = FinetuneRuns(self)
        self.commit = git_commit(ROOT)
        self.store = StepStore(self.work_dir, self.commit,
                               published=options.logs,
                               reuse_published=options.reuse_published)
        self.started = time.time()
        self._common = None
        self._texts: Dict[tuple, tuple] = {}
        self._epochs: Dict[str, int] = {}

    # -- bookkeeping -----------------------------------------------------
    def runs(self) -> Iterator[Tuple[str, str, int]]:
        """(run, encoder, seed) in the order they are computed."""
        seeds = list(self.options.seeds)
        for seed in seeds:
            yield f'{RANDOM_INIT}_seed{seed}', RANDOM_INIT, seed
            for name in self.configs.pretrainings:
                yield f'{name}_seed{seed}', name, seed
        if self.options.ablations:
            for name in self.configs.ablations:
                yield f'{name}_seed{seeds[0]}', name, seeds[0]

    def log(self, message: str) -> None:
        """Print a line and add it to ``<work_dir>/results.log``."""
        line = f'[{(time.time() - self.started) / 60:6.1f} min] {message}'
        print(line, flush=True)
        os.makedirs(self.work_dir, exist_ok=True)
        with open(osp.join(self.work_dir, 'results.log'), 'a') as f:
            f.write(f'{datetime.now().isoformat(timespec="seconds")} '
                    f'{line}\n')

    def ensure_data(self) -> None:
        """Convert ``src`` when the annotation file is missing.

        Raises:
            SystemExit: Neither exists; the message names both and the
                config's hint.
        """
        if osp.isfile(self.ann_file):
            return
        options = self.options
        if not (options.src and osp.exists(options.src)
                and options.converter):
            hint = resolved_config(self.configs.linear).train_dataloader \
                .dataset.get('missing_hint', '')
            raise SystemExit(
                f'results: the annotation file {self.ann_file} does not '
                f'exist and there is nothing to convert it from (--src '
                f'{options.src}, --converter {options.converter}). {hint}')
        out_dir = osp.dirname(self.ann_file) or '.'
        self.log(f'converting {options.src} into {out_dir}')
        subprocess.run([
            sys.executable, osp.join(ROOT, 'tools', 'data', 'convert.py'),
            options.converter, '--src', options.src, '--out-dir', out_dir
        ], check=True, stdout=subprocess.DEVNULL)
        if not osp.isfile(self.ann_file):
            raise SystemExit(f'results: the conversion wrote no '
                             f'{self.ann_file}')

    def common(self) -> dict:
        """What every fingerprint holds: sources, data, libraries."""
        if self._common is None:
            self._common = dict(source=source_hash(),
                                ann_file=file_sha256(self.ann_file),
                                environment=environment(),
                                limit=self.options.limit)
        return self._common

    def resolved(self, config: str, options: dict) -> tuple:
        """(config text, compile switch) of ``config`` with ``options``."""
        key = (config, tuple(sorted(options.items())))
        if key not in self._texts:
            cfg = resolved_config(config, options)
            self._texts[key] = (config_text(cfg),
                                bool(cfg.get('compile', False)))
        return self._texts[key]

    def data_options(self, loaders: Sequence[str]) -> dict:
        """``--cfg-options`` pointing ``loaders`` at the annotation file."""
        options = {}
        for loader in loaders:
            options[f'{loader}.dataset.ann_file'] = self.ann_file
            if self.options.limit:
                options[f'{loader}.dataset.indices'] = self.options.limit
        return options

    def epochs(self, name: str) -> int:
        """Pretraining epochs of encoder ``name``."""
        if name not in self._epochs:
            self._epochs[name] = self.options.epochs or int(resolved_config(
                self.encoders[name]).train_cfg.max_epochs)
        return self._epochs[name]

    def pretrain_options(self, name: str) -> dict:
        options = dict(self.data_options(['train_dataloader']))
        options['train_cfg.max_epochs'] = self.epochs(name)
        options['default_hooks.checkpoint.interval'] = 5
        options['default_hooks.checkpoint.max_keep_ckpts'] = 1
        if self.options.batch_size:
            options['train_dataloader.batch_size'] = self.options.batch_size
        return options

    def pretrain_fingerprint(self, config: str, options: dict,
                             seed: int) -> str:
        """The fingerprint of a pretraining of ``config`` with ``options``."""
        text, compiled = self.resolved(config, options)
        return fingerprint(dict(step='pretrain', config=text, seed=seed,
                                compile=compiled, **self.common()))

    def evaluation_fingerprints(self, encoder, seed: int) -> Dict[str, str]:
        """``features`` and ``evaluate`` fingerprints of an encoder (a
        pretraining's fingerprint, with ``@<epoch>`` for an earlier
        checkpoint, or what draws a random one)."""
        linear, _ = self.resolved(self.configs.linear, {})
        out = dict(features=fingerprint(dict(
            step='features', encoder=encoder, linear=linear,
            splits=(self.probe.train_split, self.probe.test_split),
            **self.common())))
        out['evaluate'] = fingerprint(dict(
            step='evaluate', features=out['features'],
            probe=self.probe.as_dict(), ks=list(self.ks),
            temperature=self.temperature, seed=seed))
        return out

    def fingerprints(self, name: str, seed: int) -> Dict[str, str]:
        """The fingerprint of each step of the run of ``name`` and ``seed``."""
        out = {}
        if name == RANDOM_INIT:
            encoder = dict(random_init=self.configs.linear, seed=seed)
        else:
            out['pretrain'] = self.pretrain_fingerprint(
                self.encoders[name], self.pretrain_options(name), seed)
            encoder = out['pretrain']
        out.update(self.evaluation_fingerprints(encoder, seed))
        if self.partial and name in self.configs.pretrainings:
            text, _ = self.resolved(
                self.configs.partial_body,
                self.data_options(['test_dataloader']))
            out['partial_body'] = fingerprint(dict(
                step='partial_body', evaluate=out['evaluate'], config=text,
                seed=self.options.seeds[0]))
        return out

    # -- steps -----------------------------------------------------------
    def pretrain(self, run: str, config: str, epochs: int, options: dict,
                 seed: int, fp: str) -> str:
        """The run's last pretraining checkpoint, trained if not reusable.

        Args:
            run (str): The run (its folder in the work dir).
            config (str): The pretraining config.
            epochs (int): Its epochs (``options`` set them).
            options (dict): ``--cfg-options`` of ``tools/train.py``.
            seed (int): The seed.
            fp (str): The step's fingerprint.
        """
        ckpt = self.store.path(run, f'epoch_{epochs}.pth')
        if self.store.load(run, 'pretrain', fp) and osp.isfile(ckpt):
            return ckpt
        started = self.store.path(run, 'pretrain.started')
        resume = False
        if osp.isfile(started) and osp.isfile(
                self.store.path(run, 'last_checkpoint')):
            with open(started) as f:
                resume = f.read() == fp
        if not resume:
            stale = glob.glob(self.store.path(run, 'epoch_*.pth'))
            for old in stale + glob.glob(
                    self.store.path(run, 'last_checkpoint')):
                os.remove(old)
            os.makedirs(self.store.path(run), exist_ok=True)
            with open(started, 'w') as f:
                f.write(fp)
        self.log(f'pretraining {run} ({config}, {epochs} epochs)')
        begin = time.time()
        out_file = self.store.path(run, 'train.out')
        progress = EpochProgress(out_file, lambda epoch, loss: self.log(
            f'  {run}: epoch {epoch}/{epochs} loss {loss:.1f}'))
        run_tool(train_argv(ROOT, config, self.store.path(run), seed,
                            options, resume),
                 out_file, progress)
        if not osp.isfile(ckpt):
            raise SystemExit(f'results: {run} wrote no {ckpt}')
        # A pretraining redone for its checkpoint keeps its first record.
        if self.store.load(run, 'pretrain', fp) is None:
            self.store.save(run, 'pretrain', fp, dict(
                config=config, seed=seed, epochs=epochs,
                minutes=(time.time() - begin) / 60))
        self.copy_logs(run)
        return ckpt

    def copy_logs(self, run: str) -> None:
        if not self.options.logs:
            return
        for path in sorted(glob.glob(self.store.path(run, '*', '*.log'))):
            dest = osp.join(self.options.logs, run, osp.basename(path))
            os.makedirs(osp.dirname(dest), exist_ok=True)
            shutil.copyfile(path, dest)

    def checkpoint(self, run: str, name: str, seed: int,
                   fp: str) -> LazyCheckpoint:
        """The last checkpoint of the run's pretraining, on first use
        (None for :data:`RANDOM_INIT`)."""
        if name == RANDOM_INIT:
            return LazyCheckpoint(lambda: None)
        return LazyCheckpoint(lambda: self.pretrain(
            run, self.encoders[name], self.epochs(name),
            self.pretrain_options(name), seed, fp))

    def encoder(self, seed: int, ckpt: Optional[str]):
        """The frozen encoder of a checkpoint, or a random initialisation
        drawn from ``seed`` (``ckpt`` None)."""
        from ..apis import init_encoder
        if ckpt is not None:
            return init_encoder(self.configs.linear, ckpt)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            return init_encoder(self.configs.linear)

    def features(self, run: str, seed: int, ckpt: LazyCheckpoint,
                 fp: str) -> Dict[str, np.ndarray]:
        """Train/test features of the run's encoder (kept as .npz)."""
        path = self.store.path(run, 'features.npz')
        if self.store.load(run, 'features', fp) and osp.isfile(path):
            return dict(np.load(path))
        from ..apis import build_clip_dataset, dataset_features
        encoder = self.encoder(seed, ckpt())
        out = {}
        for part, split in (('train', self.probe.train_split),
                            ('test', self.probe.test_split)):
            dataset = build_clip_dataset(self.configs.linear, self.ann_file,
                                         split=split)
            count = min(len(dataset), self.options.limit or len(dataset))
            for key, value in dataset_features(encoder, dataset,
                                               range(count)).items():
                out[f'{part}_{key}'] = value
        os.makedirs(self.store.path(run), exist_ok=True)
        np.savez(path, **out)
        self.store.save(run, 'features', fp, dict(
            train_clips=len(out['train_labels']),
            test_clips=len(out['test_labels'])))
        return out

    def evaluate(self, run: str, seed: int, ckpt: LazyCheckpoint,
                 fps: Dict[str, str], need_probe: bool = False) -> None:
        """Linear (raw, standardised), kNN and variance of the encoder;
        reused if stored, unless ``need_probe`` and the linear classifier
        (``probe.pth``) is not in the work dir."""
        if self.store.load(run, 'evaluate', fps['evaluate']) and (
                not need_probe
                or osp.isfile(self.store.path(run, 'probe.pth'))):
            return
        begin = time.time()
        feats = self.features(run, seed, ckpt, fps['features'])
        result = evaluate_features(feats, self.probe, self.ks,
                                   self.temperature, seed)
        torch.save(result.pop('probe_state'), self.store.path(run,
                                                              'probe.pth'))
        self.store.save(run, 'evaluate', fps['evaluate'], result)
        self.log(f'{run}: linear {result["linear"]:.1f} (standardised '
                 f'{result["linear_standardised"]:.1f}), kNN ' + ', '.join(
                     f'{k} {v:.1f}' for k, v in result['knn'].items()) +
                 f', feature std {result["feature_std"]:.2g}, class share '
                 f'of the variance {result["class_share"]:.2f} '
                 f'({time.time() - begin:.0f} s)')

    def partial_body(self, run: str, ckpt: LazyCheckpoint, fp: str) -> None:
        """Partial-body rows of the linear classifier with its encoder."""
        if self.store.load(run, 'partial_body', fp):
            return
        ckpt = ckpt()
        from ..apis.encoder import load_checkpoint_file
        from ..models.encoder_state import encoder_state_dict
        state = {
            f'backbone.{k}': v
            for k, v in encoder_state_dict(load_checkpoint_file(ckpt),
                                           ckpt).items()
        }
        probe = torch.load(self.store.path(run, 'probe.pth'))
        # GCNHead's classifier is its ``fc``, as the probe's.
        state.update({f'cls_head.{k}': v for k, v in probe.items()
                      if k.startswith('fc.')})
        recognizer = self.store.path(run, 'linear_probe.pth')
        torch.save(dict(state_dict=state, meta=dict(
            pretraining=ckpt, classifier='linear probe on frozen features')),
            recognizer)
        out_dir = self.store.path(run, 'partial_body')
        shutil.rmtree(out_dir, ignore_errors=True)
        self.log(f'partial body of {run}')
        options = dict(self.data_options(['test_dataloader']))
        options['randomness.seed'] = self.options.seeds[0]
        run_tool(test_argv(ROOT, self.configs.partial_body, recognizer,
                           out_dir, options), osp.join(out_dir, 'test.out'))
        reports = sorted(glob.glob(osp.join(out_dir, '*',
                                            'partial_body.json')))
        if not reports:
            raise SystemExit(f'results: {run}: no partial_body.json under '
                             f'{out_dir}')
        with open(reports[-1]) as f:
            rows = json.load(f)['rows']
        table = {}
        for row in rows:
            table.setdefault(row['mode'], {}).setdefault(
                row['kind'], {})[str(row['level'])] = 100 * row['top1']
        self.store.save(run, 'partial_body', fp, table)
        if self.options.logs:
            dest = osp.join(self.options.logs, run)
            os.makedirs(dest, exist_ok=True)
            shutil.copyfile(reports[-1].replace('.json', '.png'),
                            osp.join(dest, 'partial_body.png'))
            for path in glob.glob(osp.join(out_dir, '*', '*.log')):
                shutil.copyfile(path, osp.join(dest, 'partial_body.log'))

    # -- report ----------------------------------------------------------
    def gather(self) -> dict:
        """Everything finished under the current fingerprints."""
        runs, records = [], {}
        for run, name, seed in self.runs():
            fps = self.fingerprints(name, seed)
            entry = dict(name=name)
            records[run] = {}
            for step, fp in fps.items():
                record = self.store.matching(run, step, fp)
                if record is not None:
                    entry[step] = record['result']
                    records[run][step] = dict(fingerprint=fp,
                                              commit=record.get('commit'))
            runs.append(entry)
        clips = next((r['evaluate'] for r in runs if r.get('evaluate')), {})
        train, test = clips.get('train_clips', '?'), clips.get('test_clips',
                                                               '?')
        pstl = next(iter(self.configs.pretrainings))
        results = dict(
            dataset=(f'{self.options.dataset}: train split '
                     f'{self.probe.train_split} ({train} clips), test split '
                     f'{self.probe.test_split} ({test} clips)'),
            unit='top-1 accuracy in percent; mean over seeds, and each run',
            pretrain_epochs=self.epochs(pstl),
            seeds=list(self.options.seeds),
            configs=dict(self.encoders, linear=self.configs.linear,
                         partial_body=self.configs.partial_body,
                         knn=self.configs.knn),
            probe=self.probe.as_dict(),
            knn_ks=list(self.ks),
            knn_temperature=self.temperature,
            partial_body=self.partial,
        )
        results.update(summarise(runs, list(self.labels), self.ks))
        # Whatever of the extended results has finished (with or without
        # --extended this time).
        curve = self.curve.gather()
        if curve['learning_curve']:
            results.update(curve)
        finetunes = self.finetunes.gather()
        if finetunes['finetune']:
            results.update(finetunes)
        # The commit(s) the numbers were computed at: their steps' own.
        commits = sorted({step['commit'] for steps in records.values()
                          for step in steps.values() if step.get('commit')})
        results.update(command=self.computing_command(), machine=machine(),
                       commit=commits[0] if len(commits) == 1 else commits,
                       reported_at=self.commit, runs=records)
        return results

    def computing_command(self) -> str:
        """The command that computes this work dir's steps: this one, or
        with ``report_only`` the one recorded by the last computing run.

        ``--reuse-published`` is left out: it takes committed results
        instead of computing them again, and the same command without it
        computes every one of them from scratch.
        """
        command = self.options.command
        path = osp.join(self.work_dir, 'command.txt')
        if self.options.report_only and osp.isfile(path):
            with open(path) as f:
                command = f.read().strip()
        elif self.options.report_only and self.options.reuse_published \
                and self.options.json and osp.isfile(self.options.json):
            with open(self.options.json) as f:
                command = json.load(f).get('command', command)
        return ' '.join(word for word in command.split(' ')
                        if word != '--reuse-published')

    def report(self) -> dict:
        """Write the JSON and the tables of what has finished."""
        results = self.gather()
        if self.options.json:
            write_json(self.options.json, results)
        labels = dict(self.labels, scratch=self.configs.labels['scratch'])
        if self.options.markdown:
            write_between_markers(self.options.markdown,
                                  tables(results, labels),
                                  self.options.marker or self.options.dataset)
        text = headline(results, labels)
        if self.options.readme and text:
            tag = self.options.marker or self.options.dataset
            write_between_markers(self.options.readme, text,
                                  f'{tag}:headline')
        if results.get('learning_curve') and self.options.logs:
            from .plots import plot_learning_curve
            plot_learning_curve(
                results, labels,
                osp.join(self.options.logs, 'learning_curve.png'))
        return results

    def __call__(self) -> dict:
        if self.options.report_only:
            return self.report()
        os.makedirs(self.work_dir, exist_ok=True)
        with open(osp.join(self.work_dir, 'command.txt'), 'w') as f:
            f.write(self.options.command + '\n')
        self.ensure_data()
        checkpoints = {}
        for run, name, seed in self.runs():
            fps = self.fingerprints(name, seed)
            ckpt = self.checkpoint(run, name, seed, fps.get('pretrain'))
            checkpoints[(name, seed)] = ckpt
            partial = 'partial_body' in fps and self.store.load(
                run, 'partial_body', fps['partial_body']) is None
            self.evaluate(run, seed, ckpt, fps, need_probe=partial)
            if partial:
                self.partial_body(run, ckpt, fps['partial_body'])
            self.report()
        if self.options.extended:
            self.curve()
            self.finetunes(checkpoints)
        self.log(f'done: {self.options.json}, {self.options.markdown}')
        return self.report()


def machine() -> str:
    """The machine and torch, in words."""
    return (f'{platform.machine()}, {os.cpu_count()} CPU cores, torch '
            f'{torch.__version__} ({torch.get_num_threads()} threads)')
