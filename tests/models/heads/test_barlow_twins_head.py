"""Projector and Barlow Twins head: parity with the authors' code, DDP."""
import copy
import os
import subprocess
import sys

import pytest
import torch

from pstl_mm.models.heads import BarlowTwinsHead
from pstl_mm.models.necks import BarlowTwinsProjector

from tests.conftest import REPO_ROOT, free_port


def test_loss_equals_reference(reference):
    head = BarlowTwinsHead(lambd=float(reference['bt_lambd']))
    loss = head.loss(reference['bt_z1'], reference['bt_z2'])
    torch.testing.assert_close(loss, reference['bt_loss'], rtol=1e-6,
                               atol=1e-5)
    z1, z2 = reference['bt_z1'].double(), reference['bt_z2'].double()
    torch.testing.assert_close(
        head.loss(z1, z2), reference['bt_loss_float64'], rtol=1e-12, atol=0)
    on_diag = BarlowTwinsHead(lambd=0.0).loss(z1, z2)
    torch.testing.assert_close(on_diag, reference['bt_on_diag_float64'])
    off = BarlowTwinsHead(lambd=1.0).loss(z1, z2) - on_diag
    torch.testing.assert_close(off, reference['bt_off_diag_float64'])


def test_small_projector_and_full_loss_equal_reference(reference):
    width = int(reference['small_pj_size'])
    state = reference['small_btwins_state_dict']
    neck = BarlowTwinsProjector(256, width, width)
    neck.load_state_dict(
        {k: v for k, v in state.items() if k.startswith('projector.')})
    neck.eval()
    with torch.no_grad():
        out = neck(reference['feat'])
    torch.testing.assert_close(out, reference['small_proj_out'], rtol=0,
                               atol=1e-5)
    neck.train()
    head = BarlowTwinsHead(lambd=2e-4)
    with torch.no_grad():
        loss = head.loss(neck(reference['feat']),
                         neck(reference['feat_matm_fixed']))
        exact = head.loss(
            neck.double()(reference['feat'].double()),
            neck(reference['feat_matm_fixed'].double())).float()
    # Train-mode BatchNorm over a batch of 4 makes this loss ill-conditioned:
    # fp32 rounding alone moves it by ~1e-3 relative (the float64 value lies
    # between ours and the stored fp32 one), so the stored value is matched
    # to that precision and our fp32 to the float64 computation.
    target = reference['small_bt_loss_feat_vs_feat_matm_fixed']
    torch.testing.assert_close(exact, target, rtol=2e-3, atol=0)
    torch.testing.assert_close(loss, exact, rtol=2e-3, atol=0)


def _elementwise_loss(z1, z2, lambd):
    """The Barlow Twins loss written term by term, for comparison."""
    z1 = (z1 - z1.mean(0)) / torch.sqrt(z1.var(0, unbiased=False) + 1e-5)
    z2 = (z2 - z2.mean(0)) / torch.sqrt(z2.var(0, unbiased=False) + 1e-5)
    c = z1.T @ z2 / z1.shape[0]
    off = c - torch.diag(torch.diagonal(c))
    return ((1 - torch.diagonal(c))**2).sum() + lambd * (off**2).sum()


@pytest.mark.parametrize('lambd', [2e-4, 0.7])
def test_loss_and_gradients_equal_the_elementwise_formula(lambd):
    g = torch.Generator().manual_seed(3)
    z1 = torch.randn(16, 24, generator=g, dtype=torch.float64)
    z2 = (z1 + 0.3 * torch.randn(16, 24, generator=g,
                                 dtype=torch.float64)).requires_grad_()
    z1.requires_grad_()
    head = BarlowTwinsHead(lambd=lambd, loss_weight=1.5)
    loss = head.loss(z1, z2)
    grads = torch.autograd.grad(loss, (z1, z2))
    z1r, z2r = z1.detach().requires_grad_(), z2.detach().requires_grad_()
    expected = 1.5 * _elementwise_loss(z1r, z2r, lambd)
    expected_grads = torch.autograd.grad(expected, (z1r, z2r))
    torch.testing.assert_close(loss, expected, rtol=1e-12, atol=0)
    for got, want in zip(grads, expected_grads):
        torch.testing.assert_close(got, want, rtol=1e-10, atol=1e-12)
    assert torch.autograd.gradcheck(
        lambda a, b: head.loss(a, b), (z1r, z2r))


def test_projector_shape_and_no_bias():
    neck = BarlowTwinsProjector()
    assert neck(torch.randn(4, 256)).shape == (4, 6144)
    linears = [m for m in neck.modules() if isinstance(m, torch.nn.Linear)]
    assert [m.bias for m in linears] == [None, None, None]
    assert [(m.in_features, m.out_features) for m in linears] == \
        [(256, 6144), (6144, 6144), (6144, 6144)]


def test_projecting_views_together_equals_one_by_one():
    """Per-view BatchNorm: outputs, gradients and running statistics."""
    torch.manual_seed(0)
    together = BarlowTwinsProjector(32, 64, 48).double().train()
    alone = BarlowTwinsProjector(32, 64, 48).double().train()
    alone.load_state_dict(together.state_dict())
    g = torch.Generator().manual_seed(1)
    # Views of different sizes and statistics.
    views = [
        torch.randn(n, 32, generator=g, dtype=torch.float64) * s + s
        for n, s in ((8, 1.0), (6, 3.0), (8, 0.5))
    ]
    got = together.forward_views(views)
    want = [alone(x) for x in views]
    assert [z.shape for z in got] == [(8, 48), (6, 48), (8, 48)]
    for a, b in zip(got, want):
        torch.testing.assert_close(a, b, rtol=1e-12, atol=1e-12)
    # Not one BatchNorm over the concatenated views.
    pooled = copy.deepcopy(alone).projector(torch.cat(views))
    assert (torch.cat(got) - pooled).abs().max() > 1e-2
    weights = torch.randn(22, 48, generator=g, dtype=torch.float64)
    (torch.cat(got) * weights).sum().backward()
    (torch.cat(want) * weights).sum().backward()
    for (name, p), q in zip(together.named_parameters(), alone.parameters()):
        torch.testing.assert_close(p.grad, q.grad, rtol=1e-10, atol=1e-12,
                                   msg=name)
    for (name, a), b in zip(together.named_buffers(), alone.buffers()):
        torch.testing.assert_close(a, b, rtol=1e-12, atol=1e-12, msg=name)
    assert int(together.projector[1].num_batches_tracked) == 3


def test_perfectly_correlated_views_give_zero_loss():
    g = torch.Generator().manual_seed(0)
    z = torch.randn(512, 8, generator=g)
    # decorrelate the dimensions exactly: whiten
    z = z - z.mean(0)
    u, _, _ = torch.linalg.svd(z, full_matrices=False)
    z = u * (512**0.5)
    loss = BarlowTwinsHead(lambd=2e-4, eps=0.0).loss(z, 3 * z + 1)
    assert loss.item() == pytest.approx(0.0, abs=1e-6)


def test_mismatched_views_are_named():
    with pytest.raises(ValueError, match=r'\(4, 8\) and \(4, 9\)'):
        BarlowTwinsHead().loss(torch.zeros(4, 8), torch.zeros(4, 9))


DDP_SCRIPT = r'''
import os, sys, torch, torch.distributed as dist
import pstl_mm
from pstl_mm.models.heads import BarlowTwinsHead
from torch.nn.parallel import DistributedDataParallel as DDP
dist.init_process_group('gloo')
rank, world = dist.get_rank(), dist.get_world_size()
torch.manual_seed(0)
layer = torch.nn.Linear(16, 32)
g = torch.Generator().manual_seed(1)
x1, x2 = torch.randn(128, 16, generator=g), torch.randn(128, 16, generator=g)
head = BarlowTwinsHead(lambd=2e-4)
if world == 1:
    model = layer
    part = slice(0, 128)
else:
    model = DDP(layer)
    part = slice(rank * 64, (rank + 1) * 64)
loss = head.loss(model(x1[part]), model(x2[part]))
loss.backward()
if rank == 0:
    torch.save(dict(loss=loss.detach(), grad=layer.weight.grad.clone(),
                    bias_grad=layer.bias.grad.clone()),
               os.environ['OUT_FILE'])
dist.barrier()
dist.destroy_process_group()
# Skip interpreter teardown: under load, gloo's threads have aborted it
# ("terminate called without an active exception") after all was done.
sys.stdout.flush()
os._exit(0)
'''


def _run(tmp_path, nproc):
    script = tmp_path / 'bt_ddp.py'
    script.write_text(DDP_SCRIPT)
    out = tmp_path / f'out{nproc}.pt'
    env = dict(os.environ, OUT_FILE=str(out), OMP_NUM_THREADS='1',
               TMPDIR=str(tmp_path))
    done = subprocess.run(
        [sys.executable, '-m', 'torch.distributed.run',
         f'--nproc-per-node={nproc}', f'--master-port={free_port()}',
         str(script)], cwd=REPO_ROOT, env=env, capture_output=True,
        text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-3000:]
    return torch.load(out, weights_only=True)


def test_two_ranks_equal_one_rank_on_the_global_batch(tmp_path):
    one = _run(tmp_path, 1)
    two = _run(tmp_path, 2)
    torch.testing.assert_close(two['loss'], one['loss'], rtol=1e-5,
                               atol=1e-4)
    torch.testing.assert_close(two['grad'], one['grad'], rtol=1e-4,
                               atol=1e-6)
    torch.testing.assert_close(two['bias_grad'], one['bias_grad'],
                               rtol=1e-4, atol=1e-6)
    assert one['grad'].abs().max() > 0


def _relative_error(got: torch.Tensor, exact: torch.Tensor) -> float:
    return ((got.double() - exact).norm() / exact.norm()).item()


@pytest.mark.parametrize('dtype', [torch.bfloat16, torch.float16])
def test_loss_and_gradient_stay_float32_under_autocast(dtype):
    """On the same low-precision projector outputs, the loss and dL/dz under
    autocast are those of float64 to 1e-4 (relative norm of the
    difference): the head's statistics, cross-correlation and loss run in
    float32 (in low precision they were 1.4e-3 and 1.2e-2 off in bf16)."""
    g = torch.Generator().manual_seed(0)
    n, d = 64, 2048
    z1 = torch.randn(n, d, generator=g) * 3 + 1
    z2 = z1 + 0.5 * torch.randn(n, d, generator=g)
    z1, z2 = z1.to(dtype), z2.to(dtype)  # what the projector hands over
    head = BarlowTwinsHead(lambd=5e-3)

    exact = [z.double().requires_grad_() for z in (z1, z2)]
    loss64 = head.loss(*exact)
    loss64.backward()
    # float32 copies of the same values, so that dL/dz is read before it
    # is rounded to the projector's dtype. Forward under autocast, backward
    # after it, as MMEngine's AmpOptimWrapper runs them.
    low = [z.float().requires_grad_() for z in (z1, z2)]
    with torch.autocast('cpu', dtype=dtype):
        loss = head.loss(*low)
        on_low = head.loss(z1, z2)  # the low-precision tensors themselves
    assert loss.dtype == torch.float32
    loss.backward()
    assert on_low.dtype == torch.float32
    assert _relative_error(loss, loss64.detach()) <= 1e-4
    assert _relative_error(on_low, loss64.detach()) <= 1e-4
    for got, ref in zip(low, exact):
        assert _relative_error(got.grad, ref.grad) <= 1e-4
    # The control: the same product in the autocast dtype misses the bound.
    z1n = (z1.float() - z1.float().mean(0)) / z1.float().std(0, False)
    z2n = (z2.float() - z2.float().mean(0)) / z2.float().std(0, False)
    with torch.autocast('cpu', dtype=dtype):
        c_low = z1n.T @ z2n / n
    assert c_low.dtype == dtype
    c64 = head.cross_correlation(*(z.detach() for z in exact))
    assert _relative_error(c_low, c64) > 1e-4
