"""MaskedBackbone: MMAction2's STGCN / STGCN++ / AAGCN under the encoder
contract: weights under the backbone's own keys, the plain forward bit for
bit, exact masking of the STGCN family against the sub-skeleton, AAGCN's
approximation pinned, layouts, checkpoints into RecognizerGCN, freezing,
copies, input errors."""
import copy

import pytest
import torch
import torch.nn as nn
from mmaction.registry import MODELS
from mmengine.registry import init_default_scope
from mmengine.runner.checkpoint import _load_checkpoint_with_prefix

import pstl_mm  # noqa: F401  (registers MaskedBackbone)
from pstl_mm.models.backbones import MaskedBackbone, graph_layout
from pstl_mm.models.layers import JointMaskState, MaskedBatchNorm2d
from pstl_mm.skeleton import get_layout

init_default_scope('mmaction')

SMALL = dict(
    base_channels=8, num_stages=4, inflate_stages=[3], down_stages=[3])
STGCN = dict(type='STGCN', **SMALL)
STGCNPP = dict(
    STGCN, gcn_adaptive='init', gcn_with_res=True, tcn_type='mstcn')
# unit_gcn's other conv position and adjacency (A + PA, conv after the
# graph), no data_bn: the first graph convolution meets the raw input.
STGCN_POST = dict(STGCN, gcn_adaptive='offset', gcn_conv_pos='post',
                  gcn_with_res=True, data_bn_type='none')
AGCN = dict(type='AAGCN', gcn_attention=False, **SMALL)
AAGCN = dict(type='AAGCN', **SMALL)
EXACT = {'stgcn': STGCN, 'stgcnpp': STGCNPP, 'stgcn_post': STGCN_POST,
         'agcn': AGCN}
BN = nn.modules.batchnorm._BatchNorm
T = 12


def make_input(n=3, m=2, t=T, v=25, c=3, seed=0, dtype=torch.float64):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, m, t, v, c, generator=g).to(dtype)


def randomise(model, seed=0):
    """Non-trivial affine BatchNorms and dense learned graphs."""
    g = torch.Generator().manual_seed(seed)

    def rand(t, scale):
        return scale * torch.randn(t.shape, generator=g).to(t)

    with torch.no_grad():
        for mod in model.modules():
            if isinstance(mod, BN):
                mod.weight.copy_(1 + rand(mod.weight, 0.2))
                mod.bias.copy_(rand(mod.bias, 0.2))
            for name in ('A', 'PA'):
                p = mod._parameters.get(name)
                if p is not None:  # learned: dense, joins every joint pair
                    p.add_(rand(p, 0.1))
            if getattr(mod, 'alpha', None) is not None:
                mod.alpha.fill_(0.5)  # AAGCN's data-dependent graph on
    return model


def build(cfg, layout='nturgb+d', num_person=2, seed=0, **kwargs):
    torch.manual_seed(seed)
    model = MODELS.build(
        dict(type='MaskedBackbone', backbone=cfg, layout=layout,
             num_person=num_person, **kwargs))
    return randomise(model, seed)


def plain(cfg, layout='nturgb+d', num_person=2):
    """MMAction2's own backbone of ``cfg`` (as MaskedBackbone builds it)."""
    graph = dict(layout=graph_layout(get_layout(layout)), mode='spatial')
    return MODELS.build(dict(cfg, graph_cfg=graph, num_person=num_person))


def sub_skeleton(masked, cfg, kept, layout='nturgb+d'):
    """MMAction2's backbone with ``masked``'s weights on the kept joints.

    Every adjacency (``A``, ``PA``) is restricted to ``[:, kept][:, :,
    kept]`` and ``data_bn`` to the kept joints' channels (v*C + c for 'VC',
    m*V*C + v*C + c for 'MVC').
    """
    ref = plain(cfg, layout, masked.num_person)
    ref.load_state_dict(masked.state_dict())
    idx = torch.as_tensor(kept)
    for mod in ref.modules():
        for store in (mod._parameters, mod._buffers):
            for name in ('A', 'PA'):
                if store.get(name) is not None:
                    sliced = store[name].detach()[:, idx][:, :, idx].clone()
                    store[name] = (nn.Parameter(sliced) if store is
                                   mod._parameters else sliced)
    ref.data_bn_channels = None
    if not isinstance(ref.data_bn, BN):
        return ref.to(next(masked.parameters()).dtype).train(masked.training)
    v, c, m = get_layout(layout).num_joints, masked.in_channels, \
        masked.num_person
    channels = (idx[:, None] * c + torch.arange(c)).flatten()
    if ref.data_bn_type == 'MVC':
        channels = (torch.arange(m)[:, None] * v * c +
                    channels[None]).flatten()
    old = ref.data_bn
    ref.data_bn = nn.BatchNorm1d(len(channels))
    with torch.no_grad():
        for name in ('weight', 'bias', 'running_mean', 'running_var'):
            getattr(ref.data_bn, name).copy_(getattr(old, name)[channels])
        ref.data_bn.num_batches_tracked.copy_(old.num_batches_tracked)
    ref.data_bn_channels = channels
    return ref.to(next(masked.parameters()).dtype).train(masked.training)


def assert_same_statistics(masked, ref):
    """Running statistics of every BatchNorm: ref's equal masked's (at the
    kept channels for data_bn)."""
    for name, mod in ref.named_modules():
        if not isinstance(mod, BN):
            continue
        mine = masked.get_submodule(name)
        pick = ref.data_bn_channels if name == 'data_bn' else slice(None)
        for stat in ('running_mean', 'running_var'):
            torch.testing.assert_close(
                getattr(mine, stat)[pick], getattr(mod, stat), rtol=1e-6,
                atol=1e-9, msg=f'{name}.{stat}')
        assert mine.num_batches_tracked == mod.num_batches_tracked


def kept_of(mask):
    return torch.nonzero(~mask).flatten()


SHARED_MASK = torch.zeros(25, dtype=torch.bool)
SHARED_MASK[[0, 4, 7, 8, 20, 21]] = True  # the centre and a hub among them


@pytest.mark.parametrize('name', ['stgcn', 'stgcnpp', 'aagcn'])
def test_weights_under_the_backbones_own_keys_and_plain_forward(name):
    cfg = dict(EXACT, aagcn=AAGCN)[name]
    masked = build(cfg)
    ref = plain(cfg)
    assert list(masked.state_dict()) == list(ref.state_dict())
    ref.load_state_dict(masked.state_dict())
    x = make_input(dtype=torch.float32)
    for mode in ('train', 'eval'):
        getattr(masked, mode)()
        getattr(ref, mode)()
        torch.manual_seed(1)
        out = masked(x)
        torch.manual_seed(1)
        assert torch.equal(out, ref(x))
    for key, value in ref.state_dict().items():  # same statistics too
        assert torch.equal(masked.state_dict()[key], value), key
    assert masked.backbone.gcn is masked.gcn
    assert out.shape == (3, 2, masked.out_channels, T // 2, 25)
    assert masked.in_channels == 3 and masked.num_person == 2
    assert masked.out_channels == 16


@pytest.mark.parametrize('name', list(EXACT))
def test_shared_mask_equals_the_sub_skeleton_in_train_mode(name):
    masked = build(EXACT[name]).double().train()
    assert masked.exact_masking
    kept = kept_of(SHARED_MASK)
    ref = sub_skeleton(masked, EXACT[name], kept)
    x = make_input()
    out = masked(x, SHARED_MASK)
    expected = ref(x[:, :, :, kept])
    torch.testing.assert_close(
        out[..., kept], expected, rtol=1e-6, atol=1e-6)
    assert out[..., SHARED_MASK].abs().max() == 0
    assert out[..., kept].abs().max() > 0
    assert_same_statistics(masked, ref)


@pytest.mark.parametrize('name', list(EXACT))
def test_shared_mask_equals_the_sub_skeleton_in_eval_mode(name):
    masked = build(EXACT[name]).double().train()
    for step in range(3):  # non-trivial running statistics
        masked(make_input(seed=10 + step), SHARED_MASK if step else None)
    masked.eval()
    kept = kept_of(SHARED_MASK)
    ref = sub_skeleton(masked, EXACT[name], kept)
    x = make_input()
    out = masked(x, SHARED_MASK)
    torch.testing.assert_close(
        out[..., kept], ref(x[:, :, :, kept]), rtol=1e-6, atol=1e-6)
    assert out[..., SHARED_MASK].abs().max() == 0


def per_sample_mask():
    mask = torch.zeros(3, 25, dtype=torch.bool)
    mask[0, [1, 4, 20]] = True
    mask[1, [7, 8, 9, 10, 11, 23, 24]] = True  # sample 2 keeps every joint
    return mask


@pytest.mark.parametrize('name', ['stgcn', 'stgcnpp'])
def test_per_sample_masks_give_each_sample_its_sub_skeleton(name):
    masked = build(EXACT[name]).double().train()
    for step in range(3):
        masked(make_input(seed=10 + step), per_sample_mask())
    masked.eval()
    mask = per_sample_mask()
    x = make_input()
    out = masked(x, mask)
    for i in range(3):
        kept = kept_of(mask[i])
        ref = sub_skeleton(masked, EXACT[name], kept)
        torch.testing.assert_close(
            out[i:i + 1, ..., kept], ref(x[i:i + 1, :, :, kept]),
            rtol=1e-6, atol=1e-6)
    assert out[mask[:, None, None, None, :].expand_as(out)].abs().max() == 0
    # Values at removed joints change nothing.
    x2 = x.masked_fill(mask[:, None, None, :, None], 1e3)
    torch.testing.assert_close(masked(x2, mask), out, rtol=0, atol=0)


@pytest.mark.parametrize('name', ['stgcn', 'stgcnpp'])
def test_per_sample_masks_train_mode_backward(name):
    masked = build(EXACT[name]).train()
    mask = per_sample_mask()
    x = make_input(dtype=torch.float32).requires_grad_()
    state = {k: v.clone() for k, v in masked.state_dict().items()}
    out = masked(x, mask)
    out.square().sum().backward()
    for pname, p in masked.named_parameters():
        assert p.grad is not None and torch.isfinite(p.grad).all(), pname
    assert masked.gcn[0].gcn.conv.weight.grad.abs().sum() > 0
    removed = mask[:, None, None, :, None].expand_as(x)
    assert x.grad[removed].abs().max() == 0
    assert x.grad[~removed].abs().max() > 0
    # Train mode: values at removed joints leave the output unchanged.
    masked.load_state_dict(state)
    x2 = x.detach().masked_fill(removed, 1e3)
    torch.testing.assert_close(masked(x2, mask), out, rtol=1e-5, atol=1e-5)


def test_aagcn_masking_is_approximate_and_pinned():
    masked = build(AAGCN).double().train()
    assert not masked.exact_masking
    assert build(STGCN).exact_masking
    kept = kept_of(SHARED_MASK)
    ref = sub_skeleton(masked, AAGCN, kept)
    x = make_input()
    out = masked(x, SHARED_MASK)
    expected = ref(x[:, :, :, kept])
    assert out[..., SHARED_MASK].abs().max() == 0
    deviation = (out[..., kept] - expected).abs().max().item()
    scale = expected.abs().max().item()
    # Measured (train mode, float64, these seeds): deviation 0.99 at an
    # output scale of 9.3; the attention sees the removed joints' zeros.
    assert 0 < deviation < 1.5, deviation
    assert deviation < 0.2 * scale, (deviation, scale)


def test_kinect_v1_builds_through_the_dict_layout():
    layout = get_layout('kinect_v1')
    graph = graph_layout(layout)
    assert graph == dict(num_node=20, inward=layout.edges, center=2)
    assert graph_layout(get_layout('nturgb+d')) == 'nturgb+d'
    assert graph_layout(get_layout('coco')) == 'coco'
    for cfg in (STGCNPP, AAGCN):  # AAGCN: data_bn 'MVC' with one person
        model = build(cfg, layout='kinect_v1', num_person=1).eval()
        assert model.backbone.graph.num_node == 20
        assert model.backbone.graph.inward == layout.edges
        mask = torch.zeros(20, dtype=torch.bool)
        mask[[4, 5, 6, 7]] = True
        out = model(make_input(m=1, v=20, dtype=torch.float32), mask)
        assert out.shape == (3, 1, 16, T // 2, 20)
        assert out[..., mask].abs().max() == 0


def test_coco_layout():
    model = build(dict(STGCNPP, in_channels=3), layout='coco').eval()
    assert model.backbone.graph.layout == 'coco'
    assert model.in_channels == 3
    out = model(make_input(v=17, dtype=torch.float32))
    assert out.shape == (3, 2, 16, T // 2, 17)


def test_checkpoint_loads_into_mmaction2_recognizer(tmp_path):
    masked = build(STGCNPP)
    masked(make_input(dtype=torch.float32), SHARED_MASK)  # moved statistics
    saved = {k: v.clone() for k, v in masked.state_dict().items()}
    path = tmp_path / 'pstl.pth'
    torch.save({'state_dict': {'backbone.' + k: v
                               for k, v in saved.items()}}, path)
    pretrained = dict(type='Pretrained', checkpoint=str(path),
                      prefix='backbone.')
    recognizer = MODELS.build(
        dict(
            type='RecognizerGCN',
            backbone=dict(
                STGCNPP,
                graph_cfg=dict(layout='nturgb+d', mode='spatial'),
                init_cfg=pretrained),
            cls_head=dict(
                type='GCNHead', num_classes=5,
                in_channels=masked.out_channels)))
    state = _load_checkpoint_with_prefix('backbone.', str(path), 'cpu')
    result = recognizer.backbone.load_state_dict(state, strict=True)
    assert not result.missing_keys and not result.unexpected_keys
    with torch.no_grad():
        for p in recognizer.backbone.parameters():
            p.zero_()
    recognizer.init_weights()
    loaded = recognizer.backbone.state_dict()
    assert list(loaded) == list(saved)
    for key, value in saved.items():
        assert torch.equal(loaded[key], value), key
    # And back: MaskedBackbone's own Pretrained init_cfg after the
    # backbone's initialisation.
    again = MODELS.build(
        dict(type='MaskedBackbone', backbone=STGCNPP, layout='nturgb+d',
             init_cfg=pretrained))
    again.init_weights()
    for key, value in again.state_dict().items():
        assert torch.equal(value, saved[key]), key


def test_init_weights_runs_the_backbones_own_initialisation():
    model = MODELS.build(
        dict(type='MaskedBackbone', backbone=AAGCN, layout='nturgb+d'))
    model.init_weights()
    # unit_aagcn's init_cfg sets its bn weight to 1e-6.
    assert torch.all(model.gcn[1].gcn.bn.weight == 1e-6)


def test_frozen():
    model = build(STGCN, frozen=True)
    assert model.frozen
    assert not any(p.requires_grad for p in model.parameters())
    model.train()
    assert not any(m.training for m in model.modules())
    before = model.data_bn.running_mean.clone()
    out = model(make_input(dtype=torch.float32), SHARED_MASK)
    assert not out.requires_grad
    assert torch.equal(model.data_bn.running_mean, before)


def test_deepcopy_is_independent():
    model = build(STGCNPP).double().eval()
    clone = copy.deepcopy(model)
    x = make_input()
    mask = per_sample_mask()
    assert torch.equal(clone(x, mask), model(x, mask))
    assert clone._mask_state is not model._mask_state
    assert clone.gcn[0].gcn.conv.joint_mask_state is clone._mask_state
    assert clone.backbone.gcn is clone.gcn
    assert clone.backbone.gcn is not model.gcn
    with torch.no_grad():
        clone.gcn[0].gcn.conv.weight.add_(1)
    assert not torch.equal(clone(x, mask), model(x, mask))
    clone.train()
    assert not model.training


def test_sync_batch_norm_swapped_in_later_is_masked():
    model = build(STGCNPP).double().train()
    synced = nn.SyncBatchNorm.convert_sync_batchnorm(copy.deepcopy(model))
    assert type(synced.gcn[1].gcn.bn) is nn.SyncBatchNorm
    synced.train()  # the loops call train() / eval()
    x = make_input()
    # Masked calls take local statistics: they run without a process group.
    torch.testing.assert_close(
        synced(x, SHARED_MASK), model(x, SHARED_MASK), rtol=0, atol=0)


def test_unmaskable_layers_are_refused():
    with pytest.raises(ValueError, match='GroupNorm'):
        MODELS.build(
            dict(type='MaskedBackbone', backbone=dict(
                STGCN, gcn_norm=dict(type='GN', num_groups=2)),
                layout='nturgb+d'))


@pytest.mark.parametrize('backbone, kwargs, message', [
    (dict(type='ResNet', depth=18), {}, r'wraps STGCN and AAGCN.*ResNet'),
    (dict(STGCN, graph_cfg=dict(layout='coco', mode='spatial')), {},
     r'17 nodes but layout .nturgb\+d. has 25'),
    (dict(AAGCN, num_person=2), dict(num_person=1),
     r'MVC\) has 150 channels, num_person=1 needs M\*V\*C = 75'),
])
def test_bad_configs_are_named(backbone, kwargs, message):
    with pytest.raises(ValueError, match=message):
        MODELS.build(dict(type='MaskedBackbone', backbone=backbone,
                          layout='nturgb+d', **kwargs))


def test_unknown_layout():
    with pytest.raises(ValueError, match='unknown skeleton layout'):
        MaskedBackbone(STGCN, layout='openpose')


@pytest.mark.parametrize('x_shape, mask, message', [
    ((2, 2, T, 25), None, 'rank 4'),
    ((2, 2, T, 17, 3), None, 'V=17 joints'),
    ((2, 2, T, 25, 2), None, 'C=2 channels'),
    ((2, 2, T, 25, 3), torch.zeros(2, 25), 'bool tensor'),
    ((2, 2, T, 25, 3), torch.zeros(3, 25, dtype=torch.bool),
     r'\(N, V\) = \(2, 25\) or \(V,\), got \(3, 25\)'),
    ((2, 2, T, 25, 3), torch.zeros(2, 1, 25, dtype=torch.bool),
     r'got \(2, 1, 25\)'),
    ((2, 2, T, 25, 3),
     torch.arange(25).expand(2, 25).lt(25 * torch.tensor([[0], [1]])),
     r'removes every joint of sample\(s\) \[1\]'),
])
def test_bad_input_is_named(x_shape, mask, message):
    model = build(STGCN)
    with pytest.raises(ValueError, match=message):
        model(torch.zeros(x_shape), mask)


def test_mvc_persons_checked_and_statistics_need_two_positions():
    model = build(AAGCN)
    with pytest.raises(ValueError, match='M=1 persons, expected 2'):
        model(make_input(m=1, dtype=torch.float32))
    one = torch.ones(25, dtype=torch.bool)
    one[3] = False
    with pytest.raises(ValueError, match='at least 2 kept positions'):
        model.train()(make_input(n=1, t=1, dtype=torch.float32), one)


def test_masked_layers_are_their_torch_classes_outside_a_call():
    model = build(STGCNPP)
    bn = model.gcn[1].gcn.bn
    assert type(bn) is MaskedBatchNorm2d and isinstance(bn, nn.BatchNorm2d)
    assert isinstance(model._mask_state, JointMaskState)
    assert model._mask_state.keep is None
    with pytest.raises(RuntimeError, match='do not nest'):
        with model._mask_state.masking(torch.ones(1, 1, 1, 25)):
            with model._mask_state.masking(torch.ones(1, 1, 1, 25)):
                pass
    assert model._mask_state.keep is None
