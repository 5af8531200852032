"""The GPU switches of pretraining, checked on CPU (README "Many GPUs").

A user turns them on from the command line of ``tools/train.py``::

    --amp --cfg-options optim_wrapper.dtype=bfloat16 compile=True sync_bn=torch

``--amp`` makes the optim wrapper MMEngine's ``AmpOptimWrapper`` (dynamic
loss scale), ``optim_wrapper.dtype=bfloat16`` its autocast type,
``compile=True`` makes the Runner ``torch.compile`` its model's
``train_step`` and ``sync_bn=torch`` converts BatchNorm to SyncBatchNorm.
Without CUDA, :class:`pstl_mm.engine.PortableRunner` (the configs'
``runner_type``) builds a plain ``OptimWrapper`` and keeps BatchNorm per
process, so the switches change nothing on CPU; that is tested with the
runner ``tools/train.py`` builds. TorchInductor, what ``compile=True``
runs, is replaced there by a recorder: its first iteration of the tiny
model took 4.5 to 7.5 minutes on a 2-core CPU. That Dynamo traces PSTL's loss and keeps its numbers is
tested on its own with the eager backend, and how the model fares under bf16
autocast with CPU autocast. ``sync_bn=torch`` conversion keeps the model's
losses, on the gather path and on the dense fallback.
"""
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.optim import OptimWrapper
from mmengine.model import convert_sync_batchnorm
from mmengine.registry import init_default_scope

from pstl_mm.engine import PortableRunner
from pstl_mm.engine.train_command import merge_args, parse_args
from pstl_mm.structures import batch_view

from tests.conftest import (CONFIG_DIR, build_runner, make_views,
                       tiny_cfg, write_annotations)

CONFIG = CONFIG_DIR / 'pstl_ntu60_xsub.py'
GPU_SWITCHES = ('--amp', '--cfg-options', 'optim_wrapper.dtype=bfloat16',
                'compile=True', 'sync_bn=torch')
PAPER_OPTIMIZER = dict(type='Adam', lr=5e-3, weight_decay=1e-5,
                       fused=True)


@pytest.fixture(autouse=True)
def _scope():
    init_default_scope('mmaction')


def _command_line_cfg(monkeypatch, config, *args) -> Config:
    """The config ``tools/train.py config *args`` would build its Runner of.

    Args:
        monkeypatch: pytest's fixture (``LOCAL_RANK``).
        config: The config file.
        *args (str): The command line after the config file.

    Returns:
        Config: The config after ``parse_args`` and ``merge_args``.
    """
    monkeypatch.setenv('LOCAL_RANK', '0')
    parsed = parse_args([str(config), *args])
    return merge_args(Config.fromfile(parsed.config), parsed)


def test_command_line_turns_the_switches_on(monkeypatch):
    cfg = _command_line_cfg(monkeypatch, CONFIG, '--auto-scale-lr',
                            *GPU_SWITCHES, 'train_dataloader.batch_size=16')
    assert cfg.optim_wrapper == dict(
        type='AmpOptimWrapper',
        loss_scale='dynamic',
        dtype='bfloat16',
        optimizer=PAPER_OPTIMIZER)
    assert cfg.compile is True
    assert cfg.sync_bn == 'torch'
    assert cfg.train_dataloader.batch_size == 16
    assert cfg.auto_scale_lr == dict(enable=True, base_batch_size=128)
    plain = _command_line_cfg(monkeypatch, CONFIG)
    assert plain.optim_wrapper == dict(
        type='OptimWrapper', optimizer=PAPER_OPTIMIZER)
    assert 'compile' not in plain and 'sync_bn' not in plain
    assert plain.auto_scale_lr == dict(enable=False, base_batch_size=128)


def test_every_pretraining_config_has_batch_128_per_process():
    configs = sorted(
        p for pattern in ('pstl_*.py', 'skeletonbt_*.py',
                          'ablation/ablation_*.py')
        for p in CONFIG_DIR.glob(pattern))
    assert len(configs) > 20
    for config in configs:
        cfg = Config.fromfile(str(config))
        assert cfg.train_dataloader.batch_size == 128, config.name
        assert cfg.auto_scale_lr == dict(
            enable=False, base_batch_size=128), config.name


def _loss_history(runner) -> np.ndarray:
    """The training losses ``runner`` logged, one per iteration."""
    return np.asarray(
        runner.message_hub.get_scalar('train/loss').data[0], dtype=float)


def test_switches_train_on_cpu_as_the_plain_run(tmp_path, monkeypatch,
                                                 no_cuda):
    ann_file = write_annotations(tmp_path / 'tiny.pkl', 1, 3)  # 10 clips
    runs = {}
    for name, switches in (('plain', ()), ('switches', GPU_SWITCHES)):
        tiny = tiny_cfg(
            str(CONFIG), ann_file, tmp_path / name, **{
                'train_cfg.max_epochs': 1,
                'train_dataloader.batch_size': 5,
                'model.backbone.dropout': 0.0,
            })
        tiny.dump(tmp_path / f'tiny_{name}.py')
        cfg = _command_line_cfg(monkeypatch, tmp_path / f'tiny_{name}.py',
                                '--auto-scale-lr', *switches)
        compiled = []
        monkeypatch.setattr(
            torch, 'compile',
            lambda fn, **options: compiled.append(options) or fn)
        runner = build_runner(cfg)
        runner.train()
        runs[name] = runner, compiled

    runner, compiled = runs['switches']
    assert type(runner) is PortableRunner
    assert runner.cfg.optim_wrapper.type == 'AmpOptimWrapper'
    assert runner.cfg.optim_wrapper.dtype == 'bfloat16'
    assert type(runner.optim_wrapper) is OptimWrapper  # no CUDA
    assert compiled == [{}]  # compile=True: default options, once
    assert runs['plain'][1] == []
    norms = {
        name: [
            type(m) for m in r.model.modules()
            if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)
        ]
        for name, (r, _) in runs.items()
    }
    assert len(norms['switches']) > 20
    assert norms['switches'] == norms['plain']  # no SyncBatchNorm
    assert torch.nn.SyncBatchNorm not in norms['switches']
    # --auto-scale-lr: 1 process x 5 samples, lr scaled from batch 128.
    for r, _ in runs.values():
        lr = r.optim_wrapper.optimizer.param_groups[0]['lr']
        assert lr == pytest.approx(5e-3 * 5 / 128, rel=1e-12)
    losses = _loss_history(runner)
    assert len(losses) == 2 and np.isfinite(losses).all()
    np.testing.assert_allclose(losses, _loss_history(runs['plain'][0]),
                               rtol=1e-6)


def _tiny_model(tmp_path):
    """The tiny PSTL model of :func:`tiny_cfg`, dropout 0, in train mode."""
    from mmaction.registry import MODELS
    cfg = tiny_cfg(
        str(CONFIG), 'unused.pkl', tmp_path,
        **{'model.backbone.dropout': 0.0})
    return MODELS.build(cfg.model).train()


def _loss_and_grads(model, views, autocast=None):
    """Loss dict and every parameter's gradient of one backward pass.

    Args:
        model (PSTL): The model; its gradients are zeroed afterwards.
        views (dict): Its input views.
        autocast (torch.dtype, optional): Forward under CPU autocast to this
            dtype, backward after it (as MMEngine's AmpOptimWrapper runs
            them).

    Returns:
        tuple[dict, dict]: Detached losses and gradients by name.
    """
    with torch.autocast('cpu', dtype=autocast or torch.bfloat16,
                        enabled=autocast is not None):
        losses = model.loss(views)
    total, _ = model.parse_losses(losses)
    total.backward()
    grads = {n: p.grad.clone() for n, p in model.named_parameters()}
    model.zero_grad()
    return {k: v.detach() for k, v in losses.items()}, grads


def test_dynamo_traces_the_loss_and_keeps_its_numbers(tmp_path):
    torch.manual_seed(0)
    model = _tiny_model(tmp_path)
    state = {k: v.clone() for k, v in model.state_dict().items()}
    views = make_views(4, frames=12)
    eager = _loss_and_grads(model, views)
    model.load_state_dict(state)  # the BatchNorm statistics of before
    torch._dynamo.reset()
    try:
        # AOTAutograd traces forward and backward (the autograd functions'
        # too) as one graph each, without inductor's C++ compile.
        model.loss = torch.compile(model.loss, backend='aot_eager',
                                   fullgraph=True)
        traced = _loss_and_grads(model, views)
    finally:
        torch._dynamo.reset()
    for key, value in eager[0].items():
        torch.testing.assert_close(traced[0][key], value, rtol=1e-6, atol=0)
    for name, grad in eager[1].items():
        torch.testing.assert_close(
            traced[1][name], grad, rtol=1e-5,
            atol=1e-6 * grad.abs().max().item())


def _configured_views(kind, n=2):
    """NTU-shaped views of the configured pretraining, the spatial one with
    9 removed joints per sample (``'gather'``), one mask for the batch
    (``'slice'``) or none."""
    g = torch.Generator().manual_seed(0)
    views = dict(anchor=torch.randn(n, 2, 50, 25, 3, generator=g),
                 spatial=torch.randn(n, 2, 50, 25, 3, generator=g),
                 temporal=torch.randn(n, 2, 30, 25, 3, generator=g))
    if kind is None:
        return views
    mask = torch.zeros(n, 25, dtype=torch.bool)
    for i in range(n):
        row = 0 if kind == 'slice' else i
        mask[i, torch.randperm(25, generator=torch.Generator().manual_seed(
            row))[:9]] = True
    views['spatial'] = batch_view(views['spatial'], mask)
    kept = views['spatial']['kept_joints']
    assert kept.shape == ((16, ) if kind == 'slice' else (n, 16))
    return views


@pytest.mark.parametrize('kind', ['gather', 'slice', None])
def test_the_configured_loss_compiles_whole(kind):
    """``model.loss`` of the configured pretraining traces as one graph
    for every mask path the configs use: per-sample CSM masks (gather), the
    authors' batch-shared mask (slice) and no mask."""
    from mmaction.registry import MODELS
    model = MODELS.build(Config.fromfile(str(CONFIG)).model).train()
    torch._dynamo.reset()
    try:
        explained = torch._dynamo.explain(model.loss)(_configured_views(kind))
    finally:
        torch._dynamo.reset()
    assert explained.graph_break_count == 0, explained.break_reasons
    assert explained.graph_count == 1


def test_model_runs_under_bf16_autocast(tmp_path):
    torch.manual_seed(0)
    model = _tiny_model(tmp_path)
    state = {k: v.clone() for k, v in model.state_dict().items()}
    views = make_views(8, frames=12)
    fp32 = _loss_and_grads(model, views)
    model.load_state_dict(state)
    bf16 = _loss_and_grads(model, views, autocast=torch.bfloat16)
    for key, value in fp32[0].items():
        assert torch.isfinite(bf16[0][key])
        assert bf16[0][key].item() == pytest.approx(value.item(), rel=0.03)
    for name, grad in bf16[1].items():
        assert grad.dtype == torch.float32, name
        assert torch.isfinite(grad).all(), name
    for name in ('neck.projector.6.weight',
                 'backbone.blocks.9.gcn_conv.weight'):
        cosine = torch.nn.functional.cosine_similarity(
            bf16[1][name].flatten(), fp32[1][name].flatten(), dim=0)
        assert cosine > 0.5, (name, cosine)


@pytest.mark.parametrize('ragged', [False, True])
def test_sync_bn_conversion_keeps_the_model_working(tmp_path, ragged):
    """Converted to SyncBatchNorm, the model gives the same losses: the
    gather path (same number of kept joints per sample) runs the converted
    modules, the dense fallback (ragged masks) their masked statistics."""
    torch.manual_seed(0)
    model = _tiny_model(tmp_path)
    views = make_views(4, frames=12)
    if ragged:
        mask = views['spatial']['joint_mask'].clone()
        mask[0, torch.nonzero(~mask[0])[0]] = True  # one more removed
        views['spatial'] = batch_view(views['spatial']['keypoint'], mask)
        assert views['spatial']['kept_joints'] == 'ragged'
    else:
        assert views['spatial']['kept_joints'].shape == (4, 16)
    with torch.no_grad():
        expected = model.loss(views)
    # What the Runner does with sync_bn='torch' on a CUDA machine; without
    # a process group SyncBatchNorm normalises as BatchNorm does.
    converted = convert_sync_batchnorm(model, 'torch')
    assert any(
        isinstance(m, torch.nn.SyncBatchNorm) for m in converted.modules())
    with torch.no_grad():
        got = converted.loss(views)
    for key, value in expected.items():
        torch.testing.assert_close(got[key], value)
