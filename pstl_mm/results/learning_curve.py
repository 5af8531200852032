"""A results run's learning curve: one long pretraining per method, its
checkpoints evaluated as the encoders of the main table are."""
import os.path as osp
from functools import partial
from typing import Dict, List

from .lazy_checkpoint import LazyCheckpoint

#: What the learning curve keeps of each checkpoint's evaluation.
CURVE_KEYS = ('linear', 'linear_standardised', 'knn')


def _epoch_checkpoint(last, epoch: int) -> str:
    """The checkpoint of ``epoch`` beside the one ``last()`` returns."""
    return osp.join(osp.dirname(last()), f'epoch_{epoch}.pth')


class LearningCurve:
    """Pretrains each method of ``configs.curves`` once (the first seed),
    keeping a checkpoint every ``every`` epochs, and evaluates every
    checkpoint (features, linear probe raw and standardised, kNN) with the
    pipeline's own steps, each with its fingerprint.

    Args:
        pipeline (ResultsPipeline): The results run.
    """

    def __init__(self, pipeline) -> None:
        self.pipeline = pipeline
        options = pipeline.options
        self.seed = options.seeds[0]
        self.every = options.curve_every
        self._epochs: Dict[str, int] = {}

    @property
    def configs(self) -> Dict[str, str]:
        return self.pipeline.configs.curves

    def run(self, name: str) -> str:
        return f'{name}_curve_seed{self.seed}'

    def epochs(self, name: str) -> int:
        """The long pretraining's epochs (``--curve-epochs`` or the
        config's)."""
        if name not in self._epochs:
            from .fingerprint import resolved_config
            self._epochs[name] = (self.pipeline.options.curve_epochs or int(
                resolved_config(self.configs[name]).train_cfg.max_epochs))
        return self._epochs[name]

    def checkpoints(self, name: str) -> List[int]:
        """The epochs evaluated: every ``every``-th and the last."""
        epochs = self.epochs(name)
        return sorted(set(range(self.every, epochs + 1, self.every))
                      | {epochs})

    def options(self, name: str) -> dict:
        """``--cfg-options`` of the long pretraining."""
        p = self.pipeline
        options = dict(p.data_options(['train_dataloader']))
        options['train_cfg.max_epochs'] = self.epochs(name)
        options['default_hooks.checkpoint.interval'] = self.every
        options['default_hooks.checkpoint.max_keep_ckpts'] = -1
        if p.options.batch_size:
            options['train_dataloader.batch_size'] = p.options.batch_size
        return options

    def fingerprints(self, name: str) -> Dict[str, Dict[str, str]]:
        """``pretrain`` and, per evaluated epoch, its step fingerprints."""
        p = self.pipeline
        pretrain = p.pretrain_fingerprint(self.configs[name],
                                          self.options(name), self.seed)
        out = dict(pretrain=dict(pretrain=pretrain))
        for epoch in self.checkpoints(name):
            out[str(epoch)] = p.evaluation_fingerprints(
                f'{pretrain}@{epoch}', self.seed)
        return out

    def __call__(self) -> None:
        """Each method's long pretraining, if an evaluation of its
        checkpoints is not stored, and the evaluations."""
        p = self.pipeline
        for name in self.configs:
            run = self.run(name)
            fps = self.fingerprints(name)
            last = LazyCheckpoint(partial(
                p.pretrain, run, self.configs[name], self.epochs(name),
                self.options(name), self.seed, fps['pretrain']['pretrain']))
            for epoch in self.checkpoints(name):
                ckpt = LazyCheckpoint(partial(_epoch_checkpoint, last, epoch))
                p.evaluate(f'{run}/e{epoch:03d}', self.seed, ckpt,
                           fps[str(epoch)])
                p.report()

    def gather(self) -> Dict[str, Dict[str, dict]]:
        """Method -> epoch -> the finished evaluation's numbers
        (:data:`CURVE_KEYS`), and the fingerprints and commit of each."""
        p = self.pipeline
        curve, records = {}, {}
        for name in self.configs:
            run = self.run(name)
            fps = self.fingerprints(name)
            for epoch in self.checkpoints(name):
                fp = fps[str(epoch)]['evaluate']
                record = p.store.matching(f'{run}/e{epoch:03d}', 'evaluate',
                                          fp)
                if record is None:
                    continue
                curve.setdefault(name, {})[str(epoch)] = {
                    key: record['result'][key] for key in CURVE_KEYS}
                records.setdefault(run, {})[str(epoch)] = dict(
                    pretrain=fps['pretrain']['pretrain'], evaluate=fp,
                    commit=record.get('commit'))
        return dict(learning_curve=curve, learning_curve_runs=records)
