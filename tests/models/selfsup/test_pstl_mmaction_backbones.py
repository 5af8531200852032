"""PSTL on MMAction2's own backbones (``MaskedBackbone``): the configured
loss on per-sample CSM masks, and it goes down over a few steps."""
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope

from pstl_mm.structures import batch_view

from tests.conftest import CONFIG_DIR

BACKBONES = {
    'stgcn': dict(type='STGCN'),
    'stgcnpp': dict(type='STGCN', gcn_adaptive='init', gcn_with_res=True,
                    tcn_type='mstcn'),
    'aagcn': dict(type='AAGCN'),
}


def _views(n=8, v=25):
    """Anchor, a CSM-like spatial view removing 9 joints per sample (each
    sample other joints), a shorter temporal view."""
    g = torch.Generator().manual_seed(0)
    mask = torch.zeros(n, v, dtype=torch.bool)
    for i in range(n):
        mask[i, torch.randperm(v, generator=g)[:9]] = True
    return dict(
        anchor=torch.randn(n, 2, 20, v, 3, generator=g),
        spatial=batch_view(torch.randn(n, 2, 20, v, 3, generator=g), mask),
        temporal=torch.randn(n, 2, 12, v, 3, generator=g))


@pytest.mark.parametrize('name', sorted(BACKBONES))
def test_loss_on_per_sample_masks_goes_down(name):
    from mmaction.registry import MODELS
    init_default_scope('mmaction')
    cfg = Config.fromfile(str(CONFIG_DIR / 'pstl_ntu60_xsub.py'))
    cfg.model.backbone = dict(
        type='MaskedBackbone', layout='nturgb+d', num_person=2,
        backbone=dict(BACKBONES[name], base_channels=8, num_stages=4,
                      inflate_stages=[3], down_stages=[3]))
    cfg.model.neck.update(in_channels=16, hidden_channels=64,
                          out_channels=64)
    torch.manual_seed(0)
    model = MODELS.build(cfg.model).train()
    model.init_weights()
    assert model.backbone.out_channels == 16
    views = _views()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    losses = []
    for _ in range(8):
        parts = model.loss(views)
        assert sorted(parts) == ['loss_spatial', 'loss_temporal']
        loss = sum(parts.values())
        assert torch.isfinite(loss)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(float(loss))
    assert sum(losses[-3:]) < 0.8 * sum(losses[:3]), losses
