"""Data-parallel PSTL on two CPU processes equals its one-process reference.

The real model of ``configs/pstl/pstl_ntu60_xsub.py`` (``PSTL`` with
``MaskableSTGCN``, ``BarlowTwinsProjector`` and ``BarlowTwinsHead``; the
projector 256 wide and dropout 0 so that runs are comparable) is given the
same initial weights in every process. Two gloo ranks, launched with
torchrun, each wrap it in MMEngine's ``MMDistributedDataParallel`` as the
Runner does on CPU (``device_ids=None``, ``broadcast_buffers=False``), take
their half of one global batch of views (anchor, spatial with a joint mask
per sample, temporal with fewer frames), compute ``loss`` and backpropagate.

The reference is one process on the same global batch, and it must be the
run that data-parallel training is faithful to. BatchNorm in the encoder and
the projector is per process, as in every MMEngine model without SyncBN: a
rank normalises its half with that half's statistics. So the reference runs
the encoder and the projector on each half separately (each half with its
own BatchNorm statistics) and the Barlow Twins head once on the concatenated
embeddings, as the head standardises and correlates over the global batch
(through a differentiable all-reduce under DDP). The losses of both ranks
and the DDP-averaged gradient of every parameter must equal the reference's:
rtol 1e-5 and atol 1e-5 of the parameter's largest gradient. The biases of
convolutions feeding a BatchNorm directly (``tcn_conv``, ``res_conv``) have
zero gradient in exact arithmetic; theirs is rounding noise, checked to be
below 1e-5 of the largest gradient.

Everything runs in float64, on one thread per process. At initialisation
the lower encoder layers' gradients are what is left after BatchNorm
removes nearly all of the pooled gradient: in fp32 they are only good to
~1e-2 relative (against float64), and any other summation order (another
number of threads, another alignment of a vectorised channels-last
reduction) moves them that much. In float64 that rounding is far below
the tolerance, so the comparison tests data parallelism, not summation
order.
"""
import os
import sys

import pytest
import torch

from tests.conftest import (CONFIG_DIR, REPO_ROOT, free_port, make_views,
                            map_views, run_command)

WORLD_SIZE = 2
GLOBAL_BATCH = 8


def _build_model(state_file=None):
    """The PSTL model of ``pstl_ntu60_xsub.py``, projector 256, dropout 0,
    in float64.

    Args:
        state_file (str, optional): A state dict to load.

    Returns:
        PSTL: The model in train mode.
    """
    from mmengine.config import Config
    from mmengine.registry import init_default_scope

    import pstl_mm  # noqa: F401
    init_default_scope('mmaction')
    from mmaction.registry import MODELS
    cfg = Config.fromfile(str(CONFIG_DIR / 'pstl_ntu60_xsub.py'))
    cfg.merge_from_dict({
        'model.backbone.dropout': 0.0,
        'model.neck.hidden_channels': 256,
        'model.neck.out_channels': 256,
    })
    model = MODELS.build(cfg.model).double()
    if state_file is not None:
        model.load_state_dict(torch.load(state_file, weights_only=True))
    return model.train()


def _half(batch: dict, rank: int) -> dict:
    """The samples of ``batch`` that ``rank`` of ``WORLD_SIZE`` takes."""
    per_rank = GLOBAL_BATCH // WORLD_SIZE
    part = slice(rank * per_rank, (rank + 1) * per_rank)
    return map_views(batch, samples=part)


def _rank_main(state_file: str, batch_file: str, out_dir: str) -> None:
    """One torchrun rank: DDP loss and backward on this rank's half.

    Writes ``rank{RANK}.pt`` with the loss dict and every parameter's
    gradient.
    """
    import torch.distributed as dist
    from mmengine.model import MMDistributedDataParallel
    torch.set_num_threads(1)
    dist.init_process_group('gloo')
    rank = dist.get_rank()
    model = _build_model(state_file)
    ddp = MMDistributedDataParallel(
        module=model, device_ids=None, broadcast_buffers=False)
    batch = torch.load(batch_file, weights_only=True)
    losses = ddp(_half(batch, rank), mode='loss')
    total, _ = model.parse_losses(losses)
    total.backward()
    torch.save(
        dict(
            losses={k: v.detach() for k, v in losses.items()},
            grads={n: p.grad for n, p in model.named_parameters()}),
        os.path.join(out_dir, f'rank{rank}.pt'))
    dist.destroy_process_group()


def _reference(model, batch: dict) -> dict:
    """The one-process losses of ``model`` that the ranks must reproduce.

    Encoder and projector on each half on its own (per-half BatchNorm
    statistics), then the head on the concatenated embeddings.
    """
    halves = [_half(batch, r) for r in range(WORLD_SIZE)]
    pairs = model.pairs_of(batch)
    views = dict.fromkeys(v for pair in pairs.values() for v in pair)
    z = {
        view: torch.cat(
            [model.neck(model.extract_feat(h, view)) for h in halves])
        for view in views
    }
    return {
        f'loss_{name}': model.head.loss(z[a], z[b])
        for name, (a, b) in pairs.items()
    }


@pytest.fixture
def one_thread():
    """Run the test on one thread, as every rank does."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def _zero_in_exact_arithmetic(name: str) -> bool:
    """Whether parameter ``name`` is a bias followed directly by BatchNorm."""
    return name.endswith(('tcn_conv.bias', 'res_conv.bias'))


def test_two_ranks_equal_the_per_half_reference(tmp_path, one_thread):
    torch.manual_seed(0)
    model = _build_model()
    state_file = tmp_path / 'init.pth'
    torch.save(model.state_dict(), state_file)
    batch = map_views(make_views(GLOBAL_BATCH), keypoint=torch.Tensor.double)
    torch.save(batch, tmp_path / 'batch.pt')
    env = dict(os.environ, OMP_NUM_THREADS='1', CUDA_VISIBLE_DEVICES='',
               TMPDIR=str(tmp_path), PYTHONPATH=str(REPO_ROOT))
    cmd = [
        sys.executable, '-m', 'torch.distributed.run',
        f'--nproc-per-node={WORLD_SIZE}', f'--master-port={free_port()}',
        '-m', 'tests.models.selfsup.test_pstl_distributed',
        str(state_file), str(tmp_path / 'batch.pt'), str(tmp_path)
    ]
    code, log = run_command(cmd, timeout=120, env=env, cwd=REPO_ROOT)
    assert code == 0, log[-6000:]
    ranks = [
        torch.load(tmp_path / f'rank{r}.pt', weights_only=True)
        for r in range(WORLD_SIZE)
    ]

    reference = _reference(model, batch)
    total, _ = model.parse_losses(reference)
    total.backward()
    assert sorted(reference) == ['loss_spatial', 'loss_temporal']
    for rank in ranks:
        for key, value in reference.items():
            torch.testing.assert_close(rank['losses'][key], value.detach(),
                                       rtol=1e-5, atol=1e-5)
    grads = dict(model.named_parameters())
    assert len(grads) > 100
    scale = max(p.grad.abs().max() for p in grads.values())
    for name, p in grads.items():
        for rank in ranks:
            got = rank['grads'][name]
            if _zero_in_exact_arithmetic(name):
                assert got.abs().max() < 1e-5 * scale, name
                assert p.grad.abs().max() < 1e-5 * scale, name
                continue
            biggest = p.grad.abs().max()
            assert biggest > 1e-3 * scale, name
            torch.testing.assert_close(
                got, p.grad, rtol=1e-5, atol=1e-5 * biggest.item(),
                msg=lambda m: f'{name}: {m}')

    # The head's global statistics matter: one half alone, with the head's
    # statistics over that half only, gives another loss.
    with torch.no_grad():
        local = model.loss(_half(batch, 0))
    for key, value in reference.items():
        assert abs(local[key].item() - value.item()) > 1e-2 * value.item()


if __name__ == '__main__':
    _rank_main(*sys.argv[1:4])
