"""A results run's fine-tuning rows: the fine-tune and semi-supervised
protocols from each pretraining and from scratch, per seed."""
import re
import shutil
from typing import Callable, Dict, List, Optional

from .fingerprint import fingerprint, resolved_config
from .report_json import summary
from .tool_runs import run_tool, train_argv

#: A validation line of MMAction2's log: epoch and top-1 (a fraction).
VAL_LINE = re.compile(r'Epoch\(val\)\s+\[(\d+)\]\[\d+/\d+\]\s+acc/top1: '
                      r'([\d.]+)')
#: What the tables call a fine-tuning from no pretraining.
SCRATCH = 'scratch'


def val_top1(out_file: str) -> List[List[float]]:
    """[epoch, top-1 in %] of every validation in a training's output."""
    with open(out_file, errors='replace') as f:
        return [[int(e), 100 * float(top1)]
                for e, top1 in VAL_LINE.findall(f.read())]


class FinetuneRuns:
    """Runs each protocol of ``configs.finetunes`` (e.g. ``semi5``,
    ``semi10``, ``finetune``) from each pretraining of the main table and
    from scratch, for every seed: the pretraining of seed ``s`` is
    fine-tuned with the label subset drawn with ``label_seed=s`` and the
    runner's seed ``s``. The reported top-1 is the last validation's (the
    protocols' convention), on the test split.

    Args:
        pipeline (ResultsPipeline): The results run.
    """

    def __init__(self, pipeline) -> None:
        self.pipeline = pipeline
        self._settings: Dict[str, dict] = {}

    @property
    def configs(self) -> Dict[str, str]:
        return self.pipeline.configs.finetunes

    def encoders(self) -> List[str]:
        return [SCRATCH, *self.pipeline.configs.pretrainings]

    def settings(self, protocol: str) -> dict:
        """The protocol's label fraction and epochs, from its config."""
        if protocol not in self._settings:
            cfg = resolved_config(self.configs[protocol])
            epochs = (self.pipeline.options.finetune_epochs
                      or int(cfg.train_cfg.max_epochs))
            interval = int(cfg.train_cfg.get('val_interval', 1))
            self._settings[protocol] = dict(
                config=self.configs[protocol], epochs=epochs,
                # Validated at the last epoch, whatever the epochs.
                val_interval=interval if epochs % interval == 0 else epochs,
                label_fraction=float(cfg.train_dataloader.dataset.get(
                    'label_fraction', 1.0)))
        return self._settings[protocol]

    def options(self, protocol: str, seed: int,
                checkpoint: Optional[str]) -> dict:
        """``--cfg-options`` of one fine-tuning."""
        p = self.pipeline
        settings = self.settings(protocol)
        options = dict(p.data_options(
            ['train_dataloader', 'val_dataloader', 'test_dataloader']))
        options['train_cfg.max_epochs'] = settings['epochs']
        options['train_cfg.val_interval'] = settings['val_interval']
        options['default_hooks.checkpoint.interval'] = settings['epochs']
        options['default_hooks.checkpoint.max_keep_ckpts'] = 1
        options['default_hooks.checkpoint.save_best'] = None
        if settings['label_fraction'] < 1:
            options['train_dataloader.dataset.label_seed'] = seed
        if checkpoint is None:
            options['model.backbone.init_cfg'] = None
        else:
            options['model.backbone.init_cfg.checkpoint'] = checkpoint
        return options

    def run(self, protocol: str, encoder: str, seed: int) -> str:
        return f'{protocol}_{encoder}_seed{seed}'

    def fingerprint(self, protocol: str, encoder: str, seed: int,
                    checkpoint: Optional[str]) -> str:
        """What determines one fine-tuning: its resolved config (the
        checkpoint's path left out), the pretraining's fingerprint, the
        seed and the common parts."""
        p = self.pipeline
        options = self.options(protocol, seed, None)
        text, compiled = p.resolved(self.configs[protocol], options)
        if encoder == SCRATCH:
            source = SCRATCH
        else:
            source = p.fingerprints(encoder, seed)['pretrain']
        return fingerprint(dict(step='finetune', config=text, seed=seed,
                                encoder=source, compile=compiled,
                                **p.common()))

    def finetune(self, protocol: str, encoder: str, seed: int,
                 checkpoint: Callable[[], Optional[str]]) -> None:
        """One fine-tuning, unless finished under its fingerprint.

        Args:
            protocol (str): The protocol (a key of ``configs.finetunes``).
            encoder (str): :data:`SCRATCH` or a pretraining's name.
            seed (int): The seed (runner and label subset).
            checkpoint (callable): Returns the pretraining's checkpoint
                (None from scratch), called only if the fine-tuning runs.
        """
        p = self.pipeline
        run = self.run(protocol, encoder, seed)
        fp = self.fingerprint(protocol, encoder, seed, None)
        if p.store.load(run, 'finetune', fp) is not None:
            return
        checkpoint = checkpoint()
        shutil.rmtree(p.store.path(run), ignore_errors=True)
        settings = self.settings(protocol)
        p.log(f'fine-tuning {run} ({settings["config"]}, '
              f'{settings["epochs"]} epochs)')
        out_file = p.store.path(run, 'train.out')
        run_tool(train_argv(p.root, settings['config'], p.store.path(run),
                            seed, self.options(protocol, seed, checkpoint)),
                 out_file)
        vals = val_top1(out_file)
        if not vals or vals[-1][0] != settings['epochs']:
            raise SystemExit(f'results: {run} logged no validation at epoch '
                             f'{settings["epochs"]} ({out_file})')
        p.store.save(run, 'finetune', fp, dict(top1=vals[-1][1], val=vals))
        p.copy_logs(run)
        p.log(f'{run}: top-1 {vals[-1][1]:.1f}')

    def __call__(self, checkpoints: Dict[tuple, Callable]) -> None:
        """Every fine-tuning; ``checkpoints[(encoder, seed)]`` returns a
        pretraining's last checkpoint (trained on first use)."""
        for seed in self.pipeline.options.seeds:
            for protocol in self.configs:
                for encoder in self.encoders():
                    self.finetune(protocol, encoder, seed, checkpoints.get(
                        (encoder, seed), lambda: None))
                    self.pipeline.report()

    def gather(self) -> dict:
        """Protocol -> encoder -> summary of the finished runs' top-1, the
        protocols' settings, and each run's fingerprint and commit."""
        p = self.pipeline
        table, records = {}, {}
        for protocol in self.configs:
            for encoder in self.encoders():
                values = []
                for seed in p.options.seeds:
                    run = self.run(protocol, encoder, seed)
                    fp = self.fingerprint(protocol, encoder, seed, None)
                    record = p.store.matching(run, 'finetune', fp)
                    if record is not None:
                        values.append(record['result']['top1'])
                        records[run] = dict(fingerprint=fp,
                                            commit=record.get('commit'))
                if values:
                    table.setdefault(protocol, {})[encoder] = summary(values)
        return dict(finetune=table, finetune_protocols={
            k: self.settings(k) for k in self.configs}, finetune_runs=records)
