"""RandomStateHook: a resumed pretraining equals the uninterrupted one.

The runs are the demo pretraining config at test size (dropout 0.5, so that
torch's global generator matters; widths 8 to 128; 10 or 20 clips, 2
iterations an epoch; 2 epochs, resumed after 1) on one thread per process.
Each exactness test has a negative control, the same resume with the states
not restored, which must differ.
"""
import io
import os
import random
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from mmengine.hooks import Hook

from pstl_mm.engine.hooks.random_state_hook import (CHECKPOINT_KEY,
                                                    RandomStateHook,
                                                    capture_random_states,
                                                    restore_random_states,
                                                    select_rank_states)
from tests.conftest import (CONFIG_DIR, REPO_ROOT, build_runner, free_port,
                            run_command, tiny_cfg, write_annotations)

WORLD_SIZE = 2


def test_states_round_trip_through_a_weights_only_checkpoint():
    random.seed(3)
    np.random.seed(3)
    torch.manual_seed(3)
    np.random.randn()  # a buffered Gaussian is part of numpy's state
    buffer = io.BytesIO()
    torch.save(capture_random_states(), buffer)
    expected = (random.random(), np.random.randn(3).tolist(),
                torch.rand(3).tolist())
    buffer.seek(0)
    states = torch.load(buffer, weights_only=True)
    random.seed(0)
    np.random.seed(0)
    torch.manual_seed(0)
    restore_random_states(states)
    again = (random.random(), np.random.randn(3).tolist(),
             torch.rand(3).tolist())
    assert again == expected


def test_each_rank_selects_its_own_states():
    saved = {0: dict(torch=torch.tensor([0])),
             1: dict(torch=torch.tensor([1]))}
    for rank in (0, 1):
        states, why = select_rank_states(saved, rank, 2)
        assert states is saved[rank] and why == ''
    # Another number of processes: nothing restored, and a reason.
    for world_size in (1, 3):
        states, why = select_rank_states(saved, 0, world_size)
        assert states is None
        assert f'2 rank(s) [0, 1], this run has {world_size}' in why
    states, why = select_rank_states({0: saved[0]}, 1, 2)
    assert states is None and '1 rank(s) [0]' in why
    # An earlier version's checkpoint: one rank's states, for every rank.
    assert select_rank_states(saved[1], 0, 1) == (saved[1], '')
    states, why = select_rank_states(saved[1], 1, 2)
    assert states is saved[1] and 'all 2 ranks restore them' in why
    with pytest.raises(ValueError, match=r"got keys \['python'\]"):
        select_rank_states(dict(python=None), 0, 1)


# End to end -----------------------------------------------------------------
class RecordHook(Hook):
    """Records what a run draws: the data loader's next ``base_seed`` at
    ``before_train`` and at every epoch's start (after RandomStateHook
    restores), and every iteration's loss."""

    priority = 'LOWEST'

    def __init__(self) -> None:
        self.base_seeds, self.losses = [], []
        self.base_seed_before_train = None

    @staticmethod
    def _next_base_seed() -> int:
        """What torch's DataLoader draws for its workers' seeds next."""
        generator = torch.Generator()
        generator.set_state(torch.get_rng_state())
        return torch.empty((), dtype=torch.int64).random_(
            generator=generator).item()

    def before_train(self, runner) -> None:
        self.base_seed_before_train = self._next_base_seed()

    def before_train_epoch(self, runner) -> None:
        self.base_seeds.append(self._next_base_seed())

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None) -> None:
        self.losses.append(outputs['loss'].detach().clone())


def _pretraining_cfg(ann_file, work_dir, **overrides):
    """The demo pretraining config at test size, batch 5, 2 epochs."""
    cfg = tiny_cfg(
        str(CONFIG_DIR / 'demo' / 'demo_pstl_synthetic.py'), ann_file,
        work_dir, **{
            'experiment_name': Path(work_dir).name,
            'model.backbone.num_person': 2,
            'train_dataloader.dataset.num_person': 2,
            'train_dataloader.batch_size': 5,
            'default_hooks.checkpoint.max_keep_ckpts': 3,
            **overrides
        })
    assert cfg.model.backbone.dropout == 0.5
    if 'custom_hooks' not in overrides:
        assert dict(type='RandomStateHook') in cfg.custom_hooks
    return cfg


def _train(cfg):
    """Train ``cfg``; return the :class:`RecordHook` and the runner."""
    runner = build_runner(cfg)
    record = RecordHook()
    runner.register_hook(record)
    runner.train()
    return record, runner


def _resume_cfg(ann_file, work_dir, checkpoint, **overrides):
    return _pretraining_cfg(ann_file, work_dir, resume=True,
                            load_from=str(checkpoint), **overrides)


def _assert_equal_tensors(a, b, where=''):
    """``a`` and ``b`` (nested dicts, lists, tensors) are equal, bit for
    bit."""
    if isinstance(a, dict):
        assert sorted(a) == sorted(b), where
        for key in a:
            _assert_equal_tensors(a[key], b[key], f'{where}.{key}')
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b)):
            _assert_equal_tensors(x, y, f'{where}[{i}]')
    elif isinstance(a, torch.Tensor):
        assert torch.equal(a, b), where
    else:
        assert a == b, where


def _assert_same_training(checkpoint, other):
    """Equal weights and optimizer states in two checkpoints."""
    a, b = (torch.load(c, weights_only=True) for c in (checkpoint, other))
    assert len(a['state_dict']) > 100
    _assert_equal_tensors(a['state_dict'], b['state_dict'], 'state_dict')
    assert len(a['optimizer']['state']) > 50
    _assert_equal_tensors(a['optimizer'], b['optimizer'], 'optimizer')


def _max_difference(losses, others) -> float:
    return max((x - y).abs().item() for x, y in zip(losses, others))


@pytest.fixture
def one_thread():
    """One thread, as each rank of the distributed test has."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope='module')
def ten_clips(tmp_path_factory):
    return write_annotations(
        tmp_path_factory.mktemp('data') / 'ten_clips.pkl', 1, 3)


def test_resume_with_two_workers_is_exact(ten_clips, tmp_path, one_thread,
                                          keep_global_rngs):
    workers = {'train_dataloader.num_workers': 2}
    full, runner = _train(_pretraining_cfg(ten_clips, tmp_path / 'full',
                                           **workers))
    assert runner.train_dataloader.num_workers == 2
    assert not runner.train_dataloader.persistent_workers
    assert len(full.losses) == 4  # 2 epochs of 2 iterations
    checkpoint = tmp_path / 'full' / 'epoch_1.pth'
    saved = torch.load(checkpoint, weights_only=True)[CHECKPOINT_KEY]
    assert sorted(saved) == [0]

    # Other global states before resuming change nothing.
    torch.manual_seed(1234)
    np.random.seed(1234)
    resumed, runner = _train(
        _resume_cfg(ten_clips, tmp_path / 'resumed', checkpoint, **workers))
    assert runner.epoch == 2
    assert resumed.base_seeds == full.base_seeds[1:]
    _assert_equal_tensors(resumed.losses, full.losses[2:], 'losses')
    _assert_same_training(tmp_path / 'full' / 'epoch_2.pth',
                          tmp_path / 'resumed' / 'epoch_2.pth')

    # Negative control: without RandomStateHook, the workers' base seed and
    # the dropout masks differ.
    other, _ = _train(
        _resume_cfg(ten_clips, tmp_path / 'not_restored', checkpoint,
                    custom_hooks=[], **workers))
    assert other.base_seeds != full.base_seeds[1:]
    assert _max_difference(other.losses, full.losses[2:]) > 1e-3


# Two ranks -------------------------------------------------------------------
def _rank_main(ann_file: str, out_dir: str) -> None:
    """One torchrun rank: the uninterrupted run and three resumed ones.

    ``full``: 2 epochs with ``diff_rank_seed``; ``resumed``: from its
    epoch 1; the negative controls ``not_restored`` (without
    RandomStateHook) and ``rank0_states`` (every rank restores rank 0's
    states, as when one process's states were saved). Writes
    ``rank{RANK}.pt``: the :class:`RecordHook` records of each run.
    """
    import torch.distributed as dist
    from mmengine.registry import init_default_scope

    import pstl_mm  # noqa: F401
    torch.set_num_threads(1)
    init_default_scope('mmaction')
    out = Path(out_dir)

    def run(name, **overrides):
        cfg = _pretraining_cfg(
            ann_file, out / name, launcher='pytorch',
            **{'randomness.diff_rank_seed': True, **overrides})
        record, runner = _train(cfg)
        assert runner.distributed and runner.world_size == WORLD_SIZE
        return dict(base_seeds=record.base_seeds, losses=record.losses)

    records = dict(full=run('full'))
    checkpoint = out / 'full' / 'epoch_1.pth'
    records['resumed'] = run('resumed', resume=True, load_from=str(checkpoint))
    records['not_restored'] = run(
        'not_restored', resume=True, load_from=str(checkpoint),
        custom_hooks=[])
    rank = dist.get_rank()
    if rank == 0:
        saved = torch.load(checkpoint, weights_only=True)
        saved[CHECKPOINT_KEY] = saved[CHECKPOINT_KEY][0]
        torch.save(saved, out / 'rank0_states.pth')
    dist.barrier()
    records['rank0_states'] = run(
        'rank0_states', resume=True, load_from=str(out / 'rank0_states.pth'))
    torch.save(records, out / f'rank{rank}.pt')
    dist.destroy_process_group()


@pytest.fixture(scope='module')
def twenty_clips(tmp_path_factory):
    return write_annotations(
        tmp_path_factory.mktemp('data') / 'twenty_clips.pkl', 2, 3)


def test_two_rank_resume_with_diff_rank_seed_is_exact(twenty_clips, tmp_path,
                                                      one_thread,
                                                      keep_global_rngs):
    (tmp_path / 'tmp').mkdir()  # torchrun's own temporary files go here
    env = dict(os.environ, OMP_NUM_THREADS='1', CUDA_VISIBLE_DEVICES='',
               TMPDIR=str(tmp_path / 'tmp'), PYTHONPATH=str(REPO_ROOT))
    cmd = [
        sys.executable, '-m', 'torch.distributed.run',
        f'--nproc-per-node={WORLD_SIZE}', f'--master-port={free_port()}',
        '-m', 'tests.engine.hooks.test_random_state_hook', twenty_clips,
        str(tmp_path)
    ]
    code, log = run_command(cmd, timeout=240, env=env, cwd=REPO_ROOT)
    assert code == 0, log[-6000:]
    ranks = [
        torch.load(tmp_path / f'rank{r}.pt', weights_only=True)
        for r in range(WORLD_SIZE)
    ]

    # Every rank's states, keyed by rank, in a weights-only checkpoint; the
    # ranks drew differently (diff_rank_seed).
    checkpoint = tmp_path / 'full' / 'epoch_1.pth'
    saved = torch.load(checkpoint, weights_only=True)[CHECKPOINT_KEY]
    assert sorted(saved) == [0, 1]
    assert not torch.equal(saved[0]['torch'], saved[1]['torch'])
    full = [r['full'] for r in ranks]
    assert len(full[0]['losses']) == 4  # 2 epochs of 2 iterations
    assert full[0]['base_seeds'][1] != full[1]['base_seeds'][1]

    # Resumed on two ranks: every rank goes on as in the uninterrupted run.
    for rank, records in enumerate(ranks):
        assert records['resumed']['base_seeds'] == \
            records['full']['base_seeds'][1:], rank
        _assert_equal_tensors(records['resumed']['losses'],
                              records['full']['losses'][2:], f'rank {rank}')
    _assert_same_training(tmp_path / 'full' / 'epoch_2.pth',
                          tmp_path / 'resumed' / 'epoch_2.pth')

    # Negative controls: without the states, or with rank 0's on every rank
    # (rank 1 then draws rank 0's dropout masks), the run differs.
    for control in ('not_restored', 'rank0_states'):
        assert _max_difference(ranks[0][control]['losses'],
                               full[0]['losses'][2:]) > 1e-3, control
    assert ranks[1]['rank0_states']['base_seeds'] == \
        full[0]['base_seeds'][1:]

    # Resumed with another number of processes (one): a warning, nothing
    # restored, so the first epoch starts from the states the runner seeded.
    record, runner = _train(
        _resume_cfg(twenty_clips, tmp_path / 'one_rank', checkpoint,
                    **{'randomness.diff_rank_seed': True}))
    assert runner.epoch == 2 and len(record.losses) == 4
    assert record.base_seeds == [record.base_seed_before_train]
    log_file = Path(runner.log_dir) / f'{runner.timestamp}.log'
    assert ('RandomStateHook: random_states holds the states of 2 rank(s) '
            '[0, 1], this run has 1: none restored') in log_file.read_text()
    hook = next(h for h in runner.hooks if isinstance(h, RandomStateHook))
    assert hook._gathered is not None and sorted(hook._gathered) == [0]


if __name__ == '__main__':
    _rank_main(*sys.argv[1:3])
