"""The demo: PSTL pretraining on procedurally generated skeleton actions.

Usage::

    python tools/demo.py [--work-dir work_dirs/demo] [--data PKL]

Writes the synthetic demo set if it is missing
(``tools/data/make_demo_data.py``), pretrains PSTL on it with
``configs/pstl/demo_pstl_synthetic.py`` (MMEngine's runner, logging every
few iterations) and prints what it did: the loss per epoch and where the
pretrained encoder is.
"""
import argparse
import os.path as osp
import sys

import numpy as np
from mmengine.config import Config
from mmengine.runner import Runner

import pstl_mm  # noqa: F401

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIG = osp.join(REPO, 'configs', 'pstl', 'demo_pstl_synthetic.py')
DEFAULT_DATA = osp.join('data', 'demo', 'synthetic_demo.pkl')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--work-dir', default=osp.join('work_dirs', 'demo'))
    parser.add_argument('--data', default=DEFAULT_DATA)
    return parser.parse_args(argv)


def ensure_data(path: str) -> None:
    if osp.isfile(path):
        print(f'[demo] using the synthetic set {path}')
        return
    sys.path.insert(0, osp.join(REPO, 'tools', 'data'))
    from make_demo_data import main as make_demo_data
    print(f'[demo] writing the synthetic set {path}')
    make_demo_data(['--out', path])


def pretrain(data: str, work_dir: str) -> Runner:
    cfg = Config.fromfile(CONFIG)
    cfg.work_dir = osp.join(work_dir, 'pretrain')
    cfg.train_dataloader.dataset.ann_file = data
    runner = Runner.from_cfg(cfg)
    runner.train()
    return runner


def summarise(runner: Runner) -> float:
    """Print the loss per epoch; return the relative drop."""
    losses = np.asarray(
        runner.message_hub.get_scalar('train/loss').data[0], dtype=float)
    epochs = runner.max_epochs
    per_epoch = np.array_split(losses, epochs)
    print('\n[demo] PSTL pretraining on synthetic skeleton actions')
    print(f'{"epoch":>7} {"mean loss":>12}')
    for i, chunk in enumerate(per_epoch, 1):
        print(f'{i:>7} {chunk.mean():>12.1f}')
    first, last = per_epoch[0].mean(), per_epoch[-1].mean()
    drop = 1 - last / first
    print(f'[demo] loss (L_spatial + L_temporal) fell from {first:.1f} to '
          f'{last:.1f} ({100 * drop:.0f}% lower) over {len(losses)} '
          'iterations')
    ckpt = osp.join(runner.work_dir, f'epoch_{epochs}.pth')
    print(f'[demo] pretrained checkpoint: {ckpt}')
    print('[demo] use its encoder in any RecognizerGCN with '
          "backbone=dict(type='MaskableSTGCN', init_cfg=dict("
          f"type='Pretrained', checkpoint='{ckpt}', prefix='backbone.'))")
    return drop


def main(argv=None) -> int:
    args = parse_args(argv)
    ensure_data(args.data)
    runner = pretrain(args.data, args.work_dir)
    drop = summarise(runner)
    return 0 if drop > 0 else 1


if __name__ == '__main__':
    sys.exit(main())
