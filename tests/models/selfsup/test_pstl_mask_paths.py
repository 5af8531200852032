"""The configured PSTL model: model.loss with bool masks, every path equal."""
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope

from tests.conftest import REPO_ROOT

CONFIG = REPO_ROOT / 'configs' / 'pstl' / 'pstl_ntu60_xsub.py'


def _model(mask_path):
    from mmaction.registry import MODELS
    init_default_scope('mmaction')
    cfg = Config.fromfile(CONFIG)
    cfg.model.backbone.update(dropout=0.0, mask_path=mask_path)
    cfg.model.neck.update(hidden_channels=128, out_channels=128)
    torch.manual_seed(0)
    return MODELS.build(cfg.model).train()


def _inputs(mask_kind):
    g = torch.Generator().manual_seed(0)
    n = 4
    views = dict(
        anchor=torch.randn(n, 2, 20, 25, 3, generator=g),
        spatial=torch.randn(n, 2, 20, 25, 3, generator=g),
        temporal=torch.randn(n, 2, 12, 25, 3, generator=g))
    mask = torch.zeros(n, 25, dtype=torch.bool)
    for i in range(n):
        row = 0 if mask_kind == 'shared' else i
        count = 9 if mask_kind != 'ragged' else 8 + i % 3
        order = torch.randperm(25, generator=torch.Generator().manual_seed(row))
        mask[i, order[:count]] = True
    views['spatial_joint_mask'] = mask
    return views


@pytest.mark.parametrize('mask_kind', ['per_sample', 'shared', 'ragged'])
def test_loss_and_gradients_equal_on_every_path(mask_kind):
    """``model.loss`` with an (N, V) bool mask, as the configs pack it:
    the automatically chosen path equals the dense fallback in loss and
    gradients (float64, where they agree to rounding)."""
    inputs = _inputs(mask_kind)
    inputs = {k: v.double() if v.is_floating_point() else v
              for k, v in inputs.items()}
    results = []
    for mask_path in ('auto', 'dense'):
        model = _model(mask_path).double()
        losses = model.loss(inputs)
        assert set(losses) == {'loss_spatial', 'loss_temporal'}
        total = sum(losses.values())
        total.backward()
        grads = {k: p.grad for k, p in model.named_parameters()}
        results.append((losses, grads))
    (auto, auto_grads), (dense, dense_grads) = results
    for key in auto:
        torch.testing.assert_close(auto[key], dense[key], rtol=1e-9, atol=0)
    for name, grad in dense_grads.items():
        scale = max(1.0, grad.abs().max().item())
        err = (auto_grads[name] - grad).abs().max().item()
        assert err <= 1e-9 * scale, name


def test_float32_loss_matches_the_dense_path():
    inputs = _inputs('per_sample')
    losses = [
        sum(_model(path).loss(inputs).values()).item()
        for path in ('auto', 'dense')
    ]
    assert losses[0] == pytest.approx(losses[1], rel=1e-5)
