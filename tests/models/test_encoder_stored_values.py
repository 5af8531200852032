"""``MaskableSTGCN`` computes what it computed before the encoder contract.

The values in ``tests/data/maskable_stgcn_stored.json`` were computed by
this module's :func:`compute` (``python -m
tests.models.test_encoder_stored_values`` writes them) before the encoder
contract (:class:`~pstl_mm.models.SkeletonEncoder`) and the wrapped MMAction2
backbones were added: the configured PSTL loss (dropout on, each mask path:
per-sample CSM masks, one shared mask, a ragged mask, no mask) and every
parameter's gradient, and a masked recognizer's scores. They must stay
bit-identical (float32, one thread), so that results computed before stay
valid.
"""
import json
import sys
from pathlib import Path

import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope

from pstl_mm.structures import batch_view

from tests.conftest import REPO_ROOT

STORED = Path(__file__).parents[1] / 'data' / 'maskable_stgcn_stored.json'
CONFIG = REPO_ROOT / 'configs' / 'pstl' / 'pstl_ntu60_xsub.py'
LINEAR = REPO_ROOT / 'configs' / 'pstl' / 'linear' / 'linear_ntu60_xsub.py'


def _views(mask_kind: str) -> dict:
    g = torch.Generator().manual_seed(7)
    n = 4
    views = dict(
        anchor=torch.randn(n, 2, 20, 25, 3, generator=g),
        spatial=torch.randn(n, 2, 20, 25, 3, generator=g),
        temporal=torch.randn(n, 2, 12, 25, 3, generator=g))
    if mask_kind == 'none':
        return views
    mask = torch.zeros(n, 25, dtype=torch.bool)
    for i in range(n):
        row = 0 if mask_kind == 'shared' else i
        count = 8 + i % 3 if mask_kind == 'ragged' else 9
        order = torch.randperm(25, generator=torch.Generator().manual_seed(
            row))
        mask[i, order[:count]] = True
    views['spatial'] = batch_view(views['spatial'], mask)
    return views


def compute() -> dict:
    """Loss, gradient sums and norms, recognizer scores (float32)."""
    from mmaction.registry import MODELS
    init_default_scope('mmaction')
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        cfg = Config.fromfile(CONFIG)
        cfg.model.neck.update(hidden_channels=64, out_channels=64)
        out = {}
        for kind in ('per_sample', 'shared', 'ragged', 'none'):
            torch.manual_seed(0)
            model = MODELS.build(cfg.model).train()
            # Dropout draws from the global stream: seeded above.
            losses = model.loss(_views(kind))
            loss = sum(losses.values())
            loss.backward()
            out[kind] = dict(
                loss=float(loss.detach()),
                grad_sum={n: float(p.grad.sum())
                          for n, p in model.named_parameters()
                          if p.grad is not None},
                grad_norm={n: float(p.grad.norm())
                           for n, p in model.named_parameters()
                           if p.grad is not None})
        linear = Config.fromfile(LINEAR)
        linear.model.backbone.init_cfg = None
        torch.manual_seed(0)
        recognizer = MODELS.build(linear.model).eval()
        x = torch.randn(3, 1, 2, 20, 25, 3,
                        generator=torch.Generator().manual_seed(3))
        mask = torch.zeros(3, 25, dtype=torch.bool)
        mask[0, :5] = True
        mask[2, 10:12] = True
        feats = recognizer.backbone(x[:, 0], joint_mask=mask)
        scores = recognizer.cls_head(feats, joint_mask=mask)
        out['recognizer'] = dict(
            features_sum=float(feats.sum()),
            scores=[float(s) for s in scores.flatten()])
        return out
    finally:
        torch.set_num_threads(threads)


def test_loss_gradients_and_scores_are_the_stored_ones():
    stored = json.loads(STORED.read_text())
    now = compute()
    assert set(now) == set(stored)
    for kind, values in stored.items():
        for key, expected in values.items():
            assert now[kind][key] == expected, (kind, key)


if __name__ == '__main__':
    STORED.parent.mkdir(exist_ok=True)
    STORED.write_text(json.dumps(compute(), indent=1, sort_keys=True))
    sys.exit(0)
