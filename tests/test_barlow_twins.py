"""Projector and Barlow Twins head: parity with the authors' code, DDP."""
import os
import subprocess
import sys

import pytest
import torch

from pstl_mm.models.heads import BarlowTwinsHead
from pstl_mm.models.necks import BarlowTwinsProjector

from .conftest import REPO_ROOT, free_port


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
    torch.testing.assert_close(
        loss, reference['small_bt_loss_feat_vs_feat_matm_fixed'], rtol=1e-5,
        atol=1e-5)


def test_projector_shape_and_no_bias():
    neck = BarlowTwinsProjector()
    assert neck(torch.randn(4, 256)).shape == (4, 6144)
    linears = [m for m in neck.modules() if isinstance(m, torch.nn.Linear)]
    assert [m.bias for m in linears] == [None, None, None]
    assert [(m.in_features, m.out_features) for m in linears] == \
        [(256, 6144), (6144, 6144), (6144, 6144)]


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
dist.destroy_process_group()
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
