"""MaskableSTGCN: shapes, masking semantics, freezing, input errors."""
import pytest
import torch

from pstl_mm.models.backbones import MaskableSTGCN
from pstl_mm.structures import kept_joints


def make_input(n=3, m=2, t=20, v=25, c=3, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, m, t, v, c, generator=g)


def no_dropout(model):
    for mod in model.modules():
        if isinstance(mod, torch.nn.Dropout):
            mod.p = 0.0
    return model


def test_output_shape_and_pool():
    model = MaskableSTGCN().eval()
    x = make_input(t=50)
    out = model(x)
    assert out.shape == (3, 2, 256, 13, 25)
    feat = model.pool(out)
    assert feat.shape == (3, 256)
    torch.testing.assert_close(feat, out.mean(dim=(3, 4)).mean(dim=1))


def test_default_architecture():
    model = MaskableSTGCN()
    widths = [b.tcn_conv.out_channels for b in model.blocks]
    assert widths == [16, 16, 16, 16, 32, 32, 32, 64, 64, 256]
    assert [b.tcn_conv.stride[0] for b in model.blocks] == \
        [1, 1, 1, 1, 2, 1, 1, 2, 1, 1]
    assert [b.dropout.p for b in model.blocks] == [0.0] + [0.5] * 9
    assert [b.res_conv is not None for b in model.blocks] == \
        [False] * 4 + [True] + [False] * 2 + [True, False, True]
    assert not model.blocks[0].has_residual
    assert model.data_bn.num_features == 75
    assert model.blocks[0].tcn_conv.kernel_size == (9, 1)
    assert torch.equal(model.blocks[3].edge_importance, torch.ones(3, 25, 25))


@pytest.mark.parametrize('mode', ['train', 'eval'])
def test_removed_joints_leave_the_computation(mode):
    """Values at removed joints change nothing, per-sample masks."""
    torch.manual_seed(0)
    model = no_dropout(MaskableSTGCN(hidden_channels=8, out_channels=32))
    getattr(model, mode)()
    x = make_input()
    mask = torch.zeros(3, 25, dtype=torch.bool)
    mask[0, [1, 4, 20]] = True
    mask[1, [7, 8, 9, 10, 11]] = True  # sample 2 keeps every joint
    x2 = x.clone()
    x2[mask[:, None, None, :, None].expand_as(x)] = 1e3
    state = {k: v.clone() for k, v in model.state_dict().items()}
    out1 = model(x, mask)
    model.load_state_dict(state)
    out2 = model(x2, mask)
    # data_bn uses all joints (as the authors do), so in train mode its
    # statistics of a removed joint move; nothing downstream may notice.
    torch.testing.assert_close(out1, out2, rtol=1e-5, atol=1e-5)
    removed = mask[:, None, None, None, :].expand_as(out1)
    assert out1[removed].abs().max() == 0
    assert out1[~removed].abs().max() > 0


def _sliced_reference(model, x, kept):
    """Run ``model`` on x and A sliced to ``kept`` (the authors' way)."""
    n, m, t, v, c = x.shape
    h = x.permute(0, 1, 3, 4, 2).reshape(n * m, v * c, t)
    h = model.data_bn(h).view(n, m, v, c, t).permute(0, 1, 3, 4, 2)
    h = h.reshape(n * m, c, t, v)[..., kept]
    idx = torch.as_tensor(kept)
    for block in model.blocks:
        A = (model.A * block.edge_importance)[:, idx][:, :, idx]
        if block.res_conv is not None:
            res = block.res_bn(block.res_conv(h))
        else:
            res = h if block.has_residual else 0
        y = block.gcn_conv(h)
        y = y.view(y.shape[0], 3, -1, *y.shape[2:])
        y = torch.einsum('nkctv,kvw->nctw', y, A)
        y = block.tcn_conv(torch.relu(block.tcn_bn_in(y)))
        h = torch.relu(block.dropout(block.tcn_bn_out(y)) + res)
    return h.reshape(n, m, *h.shape[1:])


@pytest.mark.parametrize('mode', ['train', 'eval'])
def test_shared_mask_equals_slicing(mode):
    torch.manual_seed(1)
    model = no_dropout(MaskableSTGCN(hidden_channels=8, out_channels=32))
    for p in model.parameters():  # non-trivial edge importance / BN affine
        p.data.add_(0.1 * torch.randn_like(p))
    getattr(model, mode)()
    x = make_input(n=4, t=24)
    removed = [0, 3, 8, 20, 21]
    kept = [j for j in range(25) if j not in removed]
    mask = torch.zeros(4, 25, dtype=torch.bool)
    mask[:, removed] = True
    state = {k: v.clone() for k, v in model.state_dict().items()}
    out = model(x, mask)
    masked_state = {k: v.clone() for k, v in model.state_dict().items()}
    model.load_state_dict(state)
    ref = _sliced_reference(model, x, kept)
    # 1e-5 of the features' scale: the reference multiplies in another
    # order, and train-mode BatchNorm over 4 samples amplifies rounding.
    _assert_close(out[..., kept], ref, 'sliced features')
    assert out[..., removed].abs().max() == 0
    torch.testing.assert_close(
        model.pool(out, mask), ref.mean(dim=(3, 4)).mean(dim=1),
        rtol=1e-5, atol=1e-6)
    # running statistics move exactly as with the sliced input
    for key, value in model.state_dict().items():
        torch.testing.assert_close(masked_state[key], value, rtol=1e-5,
                                   atol=1e-6, msg=key)


def test_per_sample_masks_in_one_call_equal_separate_calls():
    torch.manual_seed(2)
    model = MaskableSTGCN(hidden_channels=8, out_channels=32).eval()
    x = make_input(n=3)
    mask = torch.zeros(3, 25, dtype=torch.bool)
    mask[0, [2, 5]] = True
    mask[2, 10:20] = True
    out = model(x, mask)
    feat = model.pool(out, mask)
    for i in range(3):
        single = model(x[i:i + 1], mask[i:i + 1])
        torch.testing.assert_close(out[i:i + 1], single, rtol=1e-5,
                                   atol=1e-6)
        torch.testing.assert_close(
            feat[i:i + 1], model.pool(single, mask[i]), rtol=1e-5, atol=1e-6)
    # the shared (V,) form broadcasts
    torch.testing.assert_close(
        model(x, mask[2]), model(x, mask[2].expand(3, 25)))


def test_no_gradient_reaches_removed_joints():
    model = MaskableSTGCN(hidden_channels=8, out_channels=32).train()
    x = make_input().requires_grad_()
    mask = torch.zeros(3, 25, dtype=torch.bool)
    mask[:, [4, 5]] = True
    mask[1, 17] = True
    model.pool(model(x, mask), mask).square().sum().backward()
    removed = mask[:, None, None, :, None].expand_as(x)
    assert x.grad[removed].abs().max() == 0
    assert x.grad[~removed].abs().min() >= 0 and x.grad.abs().max() > 0


def test_frozen_backbone_stays_in_eval_and_keeps_statistics():
    model = MaskableSTGCN(hidden_channels=8, out_channels=32, frozen=True)
    model.train()
    assert not any(p.requires_grad for p in model.parameters())
    assert not any(mod.training for mod in model.modules())
    before = {k: v.clone() for k, v in model.state_dict().items()}
    out1 = model(make_input())
    out2 = model(make_input())
    torch.testing.assert_close(out1, out2)  # no dropout, no BN update
    for key, value in model.state_dict().items():
        assert torch.equal(before[key], value), key
    assert not out1.requires_grad


def test_other_layouts_run():
    for layout, v in [('kinect_v1', 20), ('coco', 17)]:
        model = MaskableSTGCN(layout=layout, hidden_channels=8,
                              out_channels=32).eval()
        out = model(make_input(v=v))
        assert out.shape == (3, 2, 32, 5, v)


def test_mvc_data_bn():
    model = no_dropout(MaskableSTGCN(data_bn_type='MVC', hidden_channels=8,
                                     out_channels=32))
    assert model.data_bn.num_features == 150
    assert model(make_input()).shape == (3, 2, 32, 5, 25)
    mask = torch.zeros(3, 25, dtype=torch.bool)
    mask[0, :3] = True
    x = make_input()
    x2 = x.clone()
    x2[0, :, :, :3] = 7.0
    torch.testing.assert_close(model(x, mask), model(x2, mask))


@pytest.mark.parametrize('x_shape,mask,message', [
    ((2, 20, 25, 3), None, 'rank 4'),
    ((2, 2, 20, 20, 3), None, "V=20 joints but layout 'nturgb\\+d' has 25"),
    ((2, 2, 20, 25, 2), None, 'C=2 channels'),
    ((2, 2, 20, 25, 3), torch.zeros(2, 24, dtype=torch.bool), 'shape'),
    ((2, 2, 20, 25, 3), torch.zeros(2, 25), 'bool'),
    ((2, 2, 20, 25, 3), torch.ones(2, 25, dtype=torch.bool),
     r'removes every joint of sample\(s\) \[0, 1\]'),
])
def test_bad_input_is_named(x_shape, mask, message):
    model = MaskableSTGCN(hidden_channels=8, out_channels=32)
    with pytest.raises(ValueError, match=message):
        model(torch.zeros(x_shape), mask)


def test_unknown_data_bn_type():
    with pytest.raises(ValueError, match='data_bn_type'):
        MaskableSTGCN(data_bn_type='CV')


def test_masked_and_plain_passes_share_one_backward():
    """Views through one backbone, masked or not, then one backward."""
    model = MaskableSTGCN(hidden_channels=8, out_channels=32).train()
    x = make_input()
    mask = torch.zeros(3, 25, dtype=torch.bool)
    mask[:, :5] = True
    loss = model.pool(model(x)).sum() + model.pool(model(x, mask),
                                                   mask).sum()
    loss = loss + model.pool(model(x[:, :, :12])).sum()
    loss.backward()
    grads = [p.grad for p in model.parameters()]
    assert all(g is not None and torch.isfinite(g).all() for g in grads)


def _paths_model(mask_path, state=None):
    torch.manual_seed(0)
    model = no_dropout(
        MaskableSTGCN(hidden_channels=8, out_channels=32,
                      mask_path=mask_path))
    if state is not None:
        model.load_state_dict(state)
    return model


def _equal_count_mask(n=4, v=25, removed=9, seed=1):
    g = torch.Generator().manual_seed(seed)
    mask = torch.zeros(n, v, dtype=torch.bool)
    for i in range(n):
        mask[i, torch.randperm(v, generator=g)[:removed]] = True
    return mask


def _assert_close(got, want, name=''):
    """Equal to 1e-5 of the larger of 1 and the tensor's largest entry."""
    scale = max(1.0, want.abs().max().item())
    err = (got - want).abs().max().item()
    assert err <= 1e-5 * scale, f'{name}: max error {err} at scale {scale}'


def _run(model, x, mask, pooled):
    x = x.clone().requires_grad_()
    out = model.forward_pooled(x, mask) if pooled else model(x, mask)
    weights = torch.linspace(-1, 1, out.numel()).view(out.shape)
    (out * weights).sum().backward()
    grads = {k: p.grad.clone() for k, p in model.named_parameters()}
    return out.detach(), x.grad, grads


@pytest.mark.parametrize('dtype', [torch.float32, torch.float64])
@pytest.mark.parametrize('mode', ['train', 'eval'])
@pytest.mark.parametrize('pooled', [False, True])
@pytest.mark.parametrize('kind', ['gather', 'slice'])
def test_mask_paths_equal_the_dense_path(mode, pooled, kind, dtype):
    """Gathered / sliced joints give the dense path's features, gradients
    and running statistics.

    fp32 compares features and statistics; gradients are compared in
    float64 because the biases of convolutions feeding a train-mode
    BatchNorm have a true gradient of exactly 0, which fp32 reports as
    rounding noise of either sign.
    """
    x = make_input(n=4, t=16).to(dtype)
    mask = _equal_count_mask()
    if kind == 'slice':
        mask = mask[:1].expand(4, 25).clone()
    dense = _paths_model('dense').to(dtype)
    fast = _paths_model('auto', dense.state_dict()).to(dtype)
    for model in (dense, fast):
        getattr(model, mode)()
    assert fast._mask_path(mask, 16)[0] == kind
    assert dense._mask_path(mask, 16)[0] == 'dense'
    out_d, gx_d, g_d = _run(dense, x, mask, pooled)
    out_f, gx_f, g_f = _run(fast, x, mask, pooled)
    _assert_close(out_f, out_d, 'features')
    assert not gx_f[mask[:, None, None, :, None].expand_as(x)].any()
    for key, value in dense.state_dict().items():
        _assert_close(fast.state_dict()[key].double(), value.double(), key)
    if dtype == torch.float64:
        _assert_close(gx_f, gx_d, 'input gradient')
        for name in g_d:
            _assert_close(g_f[name], g_d[name], name)


def test_gather_path_equals_separate_calls_per_sample():
    """Each sample through the gather path = that sample sliced alone
    (eval mode: no batch statistics tie the samples)."""
    model = _paths_model('auto').eval()
    x = make_input(n=4, t=16)
    mask = _equal_count_mask()
    together = model.forward_pooled(x, mask)
    for i in range(4):
        alone = model.forward_pooled(x[i:i + 1], mask[i:i + 1])
        torch.testing.assert_close(together[i:i + 1], alone, rtol=1e-5,
                                   atol=1e-6)


def test_path_choice_and_ragged_fallback():
    model = _paths_model('auto').train()
    mask = _equal_count_mask()
    assert model._mask_path(None, 16) == (None, None)
    path, index = model._mask_path(mask, 16)
    assert path == 'gather'
    assert index.tolist() == [
        torch.nonzero(~row).flatten().tolist() for row in mask
    ]
    path, index = model._mask_path(mask[:1].expand(4, 25), 16)
    assert path == 'slice'
    assert index.tolist() == torch.nonzero(~mask[0]).flatten().tolist()
    ragged = mask.clone()
    ragged[0, ~mask[0]] = torch.tensor([True] + [False] * 15)
    assert model._mask_path(ragged, 16) == ('dense', None)
    forced = _paths_model('gather')
    with pytest.raises(ValueError, match='same number of kept joints'):
        forced._mask_path(ragged, 16)
    with pytest.raises(ValueError, match='mask_path'):
        MaskableSTGCN(mask_path='fast')
    # the fallback still equals per-sample pooling of forward()
    x = make_input(n=4, t=16)
    torch.testing.assert_close(
        model.eval().forward_pooled(x, ragged),
        model.pool(model(x, ragged), ragged), rtol=1e-5, atol=1e-6)


def test_gather_path_computes_fewer_positions():
    """The gather path's blocks see only the kept joints."""
    model = _paths_model('auto').train()
    seen = []
    model.blocks[0].tcn_bn_in.register_forward_hook(
        lambda mod, inp, out: seen.append(out.shape[-1]))
    model.forward_pooled(make_input(n=4, t=16), _equal_count_mask())
    model.forward_pooled(make_input(n=4, t=16))
    assert seen == [16, 25]


def _mask_of_kind(kind):
    """(4, 25) masks: 9 joints per sample (gather), one mask for the
    batch (slice), or 9 and 10 joints (ragged: dense)."""
    mask = _equal_count_mask()
    if kind == 'slice':
        return mask[:1].expand(4, 25).clone()
    if kind == 'ragged':
        mask[0, torch.nonzero(~mask[0])[0]] = True
    return mask


@pytest.mark.parametrize('kind', ['gather', 'slice', 'ragged'])
def test_given_kept_joints_equal_working_them_out(kind):
    """The kept joints from the host give what the encoder works out from
    the mask alone: the same path, bit for bit the same features."""
    model = _paths_model('auto').train()
    x, mask = make_input(n=4, t=16), _mask_of_kind(kind)
    kept = kept_joints(mask)
    expected_path = 'dense' if kind == 'ragged' else kind
    assert model._mask_path(mask, 16, kept)[0] == expected_path
    assert model._mask_path(mask, 16)[0] == expected_path
    assert torch.equal(model(x, mask, kept), model(x, mask))
    assert torch.equal(model.forward_pooled(x, mask, kept),
                       model.forward_pooled(x, mask))


@pytest.mark.parametrize('kind', ['gather', 'slice', 'ragged'])
def test_given_kept_joints_trace_as_one_graph(kind):
    """With kept_joints the encoder never asks the device: the whole
    forward traces as one graph (``fullgraph=True``) and computes what
    eager mode does; from a mask alone it cannot."""
    model = _paths_model('auto').train()
    x, mask = make_input(n=4, t=16), _mask_of_kind(kind)
    kept = kept_joints(mask)
    eager = model.forward_pooled(x, mask, kept)
    torch._dynamo.reset()
    try:
        traced = torch.compile(model.forward_pooled, backend='eager',
                               fullgraph=True)
        torch.testing.assert_close(traced(x, mask, kept), eager, rtol=1e-6,
                                   atol=1e-7)
        if kind == 'gather':
            torch._dynamo.reset()
            traced = torch.compile(model.forward_pooled, backend='eager',
                                   fullgraph=True)
            with pytest.raises(Exception, match='[Dd]ata-dependent'):
                traced(x, mask)
    finally:
        torch._dynamo.reset()


def test_kept_joints_are_checked():
    model = _paths_model('auto')
    x, mask = make_input(n=4, t=16), _equal_count_mask()
    with pytest.raises(ValueError, match='kept_joints given without '
                       'joint_mask'):
        model(x, None, torch.arange(3))
    with pytest.raises(ValueError, match=r'\(N, V_kept\) = \(4, V_kept\)'):
        model(x, mask, torch.zeros(3, 16, dtype=torch.int64))
    with pytest.raises(ValueError, match='int64'):
        model(x, mask, torch.zeros(4, 16))
    with pytest.raises(ValueError, match='same number of kept joints'):
        _paths_model('gather')(x, _mask_of_kind('ragged'), 'ragged')
    # mask_path='dense' takes the fallback whatever the indices say
    dense = _paths_model('dense', model.state_dict())
    assert dense._mask_path(mask, 16, kept_joints(mask)) == ('dense', None)


def test_per_sample_adjacency_is_exact_and_its_gradient_repeats():
    """The gather path's per-sample adjacency (A * edge_importance)[kept][:,
    kept] is exactly the indexed one, and its backward gives the same bits
    on every call with several threads at the size of a real batch (128
    samples keeping 14 of 20 joints: 75k entries, where advanced indexing's
    backward adds with unordered atomic adds and changed edge_importance's
    gradient, and so every run, from call to call)."""
    model = MaskableSTGCN(in_channels=3, layout='kinect_v1', num_person=1)
    block = model.blocks[0]
    g = torch.Generator().manual_seed(0)
    with torch.no_grad():
        block.edge_importance.copy_(
            torch.rand(block.edge_importance.shape, generator=g))
    A = model.A
    n, v, v_kept = 128, A.shape[-1], 14
    kept = torch.stack([torch.randperm(v, generator=g)[:v_kept].sort().values
                        for _ in range(n)])
    grad = torch.randn(n, A.shape[0], v_kept, v_kept, generator=g)
    threads = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        grads = []
        for _ in range(4):
            block.edge_importance.grad = None
            out = block.adjacency(A, kept)
            out.backward(grad)
            grads.append(block.edge_importance.grad.clone())
    finally:
        torch.set_num_threads(threads)
    weighted = (A * block.edge_importance).detach()
    expected = weighted[:, kept[:, :, None], kept[:, None, :]].transpose(0, 1)
    assert out.shape == (n, A.shape[0], v_kept, v_kept)
    assert torch.equal(out, expected)
    for other in grads[1:]:
        assert torch.equal(grads[0], other)
    # The gradient each entry gets: A times the sum of the samples' parts.
    summed = torch.zeros_like(weighted)
    for i in range(n):
        summed[:, kept[i, :, None], kept[i, None, :]] += grad[i]
    torch.testing.assert_close(grads[0], A * summed, rtol=1e-5, atol=1e-5)
