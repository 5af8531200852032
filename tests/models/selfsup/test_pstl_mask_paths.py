"""The configured PSTL model: model.loss with bool masks on every path.

Masks that keep the same number of joints per sample (gather) or one mask
for the batch (slice) are compared with the dense fallback; ragged masks,
which the fallback runs, with computations that do not use it: in eval
mode each sample alone through the slice path, in train mode ``data_bn``
and the first block written out with statistics over kept joints only.
"""
import pytest
import torch
import torch.nn.functional as F
from mmengine.config import Config
from mmengine.registry import init_default_scope

from pstl_mm.structures import RAGGED, batch_view, kept_joints

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


def _inputs(mask_kind, dtype=torch.float32):
    """Views of 4 samples; the spatial view's mask removes 9 joints per
    sample (``per_sample``), the same 9 in every sample (``shared``), or
    8, 9, 10, 8 joints (``ragged``)."""
    g = torch.Generator().manual_seed(0)
    n = 4
    views = dict(
        anchor=torch.randn(n, 2, 20, 25, 3, generator=g),
        spatial=torch.randn(n, 2, 20, 25, 3, generator=g),
        temporal=torch.randn(n, 2, 12, 25, 3, generator=g))
    views = {name: x.to(dtype) for name, x in views.items()}
    mask = torch.zeros(n, 25, dtype=torch.bool)
    for i in range(n):
        row = 0 if mask_kind == 'shared' else i
        count = 9 if mask_kind != 'ragged' else 8 + i % 3
        g_row = torch.Generator().manual_seed(row)
        order = torch.randperm(25, generator=g_row)
        mask[i, order[:count]] = True
    views['spatial'] = batch_view(views['spatial'], mask)
    return views


@pytest.mark.parametrize('mask_kind', ['per_sample', 'shared'])
def test_loss_and_gradients_equal_the_dense_path(mask_kind):
    """``model.loss`` with an (N, V) bool mask, as the configs pack it:
    the automatically chosen path equals the dense fallback in loss and
    gradients (float64, where they agree to rounding)."""
    inputs = _inputs(mask_kind, torch.float64)
    expected = (4, 16) if mask_kind == 'per_sample' else (16, )
    assert inputs['spatial']['kept_joints'].shape == expected
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


def test_ragged_masks_in_eval_equal_each_sample_alone_sliced():
    """Eval mode (running statistics): the dense path's features of a
    ragged batch are those of each sample on its own, whose one mask is
    shared by its batch of one and so takes the slice path."""
    model = _model('auto').double().eval()
    inputs = _inputs('ragged', torch.float64)
    view = inputs['spatial']
    assert view['kept_joints'] == RAGGED
    together = model.extract_feat(inputs, 'spatial')
    for i in range(4):
        x, mask = view['keypoint'][i:i + 1], view['joint_mask'][i:i + 1]
        kept = kept_joints(mask)
        assert kept.dim() == 1 and len(kept) == 25 - (8 + i % 3)
        assert model.backbone._mask_path(mask, 20, kept)[0] == 'slice'
        alone = model.backbone.forward_pooled(x, mask, kept)
        torch.testing.assert_close(together[i:i + 1], alone, rtol=1e-10,
                                   atol=1e-12)


def _masked_bn(bn, x, weight, dims):
    """Train-mode BatchNorm of ``x`` over the positions where ``weight``
    is 1, written out; returns the output and the running statistics it
    leaves (momentum, unbiased variance, as torch)."""
    count = weight.expand_as(x).sum(dim=dims, keepdim=True)
    mean = (x * weight).sum(dim=dims, keepdim=True) / count
    var = ((x - mean).square() * weight).sum(dim=dims, keepdim=True) / count
    shape = mean.shape
    out = (x - mean) / torch.sqrt(var + bn.eps)
    out = out * bn.weight.view(shape) + bn.bias.view(shape)
    momentum = bn.momentum
    running_mean = ((1 - momentum) * bn.running_mean +
                    momentum * mean.flatten())
    running_var = ((1 - momentum) * bn.running_var + momentum *
                   (var * count / (count - 1)).flatten())
    return out, running_mean, running_var


def _first_block_reference(backbone, x, mask):
    """``data_bn`` and the first block in train mode, statistics counting
    kept joints only: the dense path's semantics, computed directly.

    Returns:
        tuple: The block's (N*M, C, T, V) output and, per BatchNorm name,
        the running (mean, var) it leaves.
    """
    n, m, t, v, c = x.shape
    keep = (~mask).to(x.dtype)  # N, V
    stats = {}
    # data_bn: channel (v, c) over the rows (sample, person) that keep v.
    h = x.permute(0, 1, 3, 4, 2)  # N, M, V, C, T
    h, *stats['data_bn'] = _masked_bn_vc(backbone.data_bn, h, keep)
    h = h.permute(0, 1, 3, 4, 2).reshape(n * m, c, t, v)
    keep_nm = keep.repeat_interleave(m, dim=0)[:, None, None, :]
    h = h * keep_nm
    block = backbone.blocks[0]
    assert not block.has_residual and block.res_conv is None
    # Graph convolution: removed joints send nothing.
    y = F.conv2d(h, block.gcn_conv.weight, block.gcn_conv.bias)
    k = backbone.A.shape[0]
    y = y.view(n, m, k, -1, t, v)
    a = (backbone.A * block.edge_importance)[None] * keep[:, None, :, None]
    y = torch.einsum('nmkctv,nkvw->nmctw', y, a).reshape(n * m, -1, t, v)
    y = y * keep_nm
    y, *stats['tcn_bn_in'] = _masked_bn(block.tcn_bn_in, y, keep_nm,
                                        (0, 2, 3))
    y = block.tcn_conv((y * keep_nm).relu())
    y, *stats['tcn_bn_out'] = _masked_bn(block.tcn_bn_out, y, keep_nm,
                                         (0, 2, 3))
    return (y * keep_nm).relu(), stats


def _masked_bn_vc(bn, h, keep):
    """``data_bn`` ('VC') over (N*M, V*C, T) rows, each joint counting
    the samples that keep it; h (N, M, V, C, T)."""
    n, m, v, c, t = h.shape
    flat = h.reshape(n * m, v * c, t)
    weight = keep.repeat_interleave(m, dim=0).repeat_interleave(c, dim=1)
    out, mean, var = _masked_bn(bn, flat, weight[..., None], (0, 2))
    return out.view(n, m, v, c, t), mean, var


def test_ragged_masks_in_train_take_statistics_over_kept_joints():
    """Train mode: the first block's output and the running statistics of
    data_bn and its BatchNorms equal masked statistics written out."""
    model = _model('auto').double()
    backbone = model.backbone
    with torch.no_grad():  # non-trivial affine parameters and statistics
        for bn in (backbone.data_bn, backbone.blocks[0].tcn_bn_in,
                   backbone.blocks[0].tcn_bn_out):
            g = torch.Generator().manual_seed(bn.num_features)
            for tensor in (bn.weight, bn.bias, bn.running_mean):
                tensor.add_(0.2 * torch.randn(
                    tensor.shape, generator=g, dtype=tensor.dtype))
        backbone.blocks[0].edge_importance.mul_(1.5)
    inputs = _inputs('ragged', torch.float64)
    x, mask = inputs['spatial']['keypoint'], inputs['spatial']['joint_mask']
    # every joint is kept by some sample: no all-removed data_bn channel
    assert (~mask).any(dim=0).all()
    with torch.no_grad():
        expected, stats = _first_block_reference(backbone, x, mask)
    seen = []
    hook = backbone.blocks[0].register_forward_hook(
        lambda module, args, out: seen.append(out.detach().clone()))
    model.extract_feat(inputs, 'spatial')
    hook.remove()
    assert len(seen) == 1
    scale = expected.abs().max().item()
    assert (seen[0] - expected).abs().max().item() <= 1e-10 * scale
    assert expected[(mask.repeat_interleave(2, dim=0))[:, None, None, :]
                    .expand_as(expected)].abs().max() == 0
    modules = dict(data_bn=backbone.data_bn,
                   tcn_bn_in=backbone.blocks[0].tcn_bn_in,
                   tcn_bn_out=backbone.blocks[0].tcn_bn_out)
    for name, (mean, var) in stats.items():
        torch.testing.assert_close(modules[name].running_mean, mean,
                                   rtol=1e-10, atol=1e-12, msg=name)
        torch.testing.assert_close(modules[name].running_var, var,
                                   rtol=1e-10, atol=1e-12, msg=name)
