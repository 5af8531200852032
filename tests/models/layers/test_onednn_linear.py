"""OneDNNLinear: nn.Linear's parameters and results, float32 products in
oneDNN on CPU."""
import pytest
import torch
import torch.nn as nn

from pstl_mm.models.layers import OneDNNLinear


def _relative(a: torch.Tensor, b: torch.Tensor) -> float:
    return ((a.double() - b.double()).norm() / b.double().norm()).item()


@pytest.mark.parametrize('bias', [False, True])
def test_equals_linear_to_float32_rounding(bias):
    torch.manual_seed(0)
    layer = OneDNNLinear(96, 200, bias=bias)
    reference = nn.Linear(96, 200, bias=bias)
    reference.load_state_dict(layer.state_dict())
    assert list(layer.state_dict()) == list(reference.state_dict())
    x = torch.randn(37, 96)
    xs = [x.clone().requires_grad_() for _ in range(2)]
    ys = [m(v) for m, v in zip((layer, reference), xs)]
    g = torch.randn_like(ys[0])
    for y in ys:
        y.backward(g)
    # Exact in float64 (the float32 results' scale of rounding: 1e-7).
    exact = x.double() @ reference.weight.double().T
    if bias:
        exact = exact + reference.bias.double()
    assert _relative(ys[0], exact) < 1e-6
    assert _relative(ys[0], ys[1]) < 1e-6
    assert _relative(xs[0].grad, xs[1].grad) < 1e-6
    assert _relative(layer.weight.grad, reference.weight.grad) < 1e-6
    if bias:
        assert _relative(layer.bias.grad, reference.bias.grad) < 1e-6


def test_takes_the_onednn_path_only_for_float32_cpu(monkeypatch):
    calls = []
    original = torch.ops.mkldnn._linear_pointwise

    def spy(*args):
        calls.append(args[0].dtype)
        return original(*args)

    monkeypatch.setattr(
        'pstl_mm.models.layers.onednn_linear._onednn_linear',
        lambda x, w: spy(x, w, None, 'none', [], ''))
    layer = OneDNNLinear(8, 4, bias=False)
    layer(torch.randn(3, 8, requires_grad=True)).sum().backward()
    assert calls == [torch.float32, torch.float32]  # forward, grad of x
    calls.clear()
    layer.double()(torch.randn(3, 8, dtype=torch.float64))
    layer.float()
    with torch.autocast('cpu', dtype=torch.bfloat16):
        assert layer(torch.randn(3, 8)).dtype == torch.bfloat16
    assert calls == []
