"""Linear evaluation on frozen features, computed once.

The linear protocol (``configs/pstl/_base_/protocols/linear.py``) trains a
linear classifier on a frozen encoder in eval mode with unaugmented clips:
every epoch sees the same features. :func:`train_linear_probe` trains the
same classifier (``GCNHead``'s ``fc``, initialised as ``GCNHead`` is: normal
weights of std 0.01, zero bias; Adam without weight decay, the samples in
``DefaultSampler``'s order of each epoch, cosine to 0 set per epoch; the
protocol's lr 0.01, batch 128 and 150 epochs by default, a results run
reads them from the linear config) on those features computed once, which
is how a results run evaluates many encoders on a CPU. ``standardise=True``
puts a BatchNorm without affine parameters before the classifier (the
MAE-style probe), so that encoders whose features have very different
scales are compared alike.
"""
import math
from typing import Dict, Optional

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

#: Standard deviation of the classifier's initial weights (bias 0), as
#: MMAction2's ``GCNHead`` initialises its ``fc``
#: (``init_cfg=dict(type='Normal', layer='Linear', std=0.01)``).
GCN_HEAD_INIT_STD = 0.01

#: BatchNorm's eps when standardising. MAE's 1e-6 would leave features whose
#: standard deviation is below about 1e-3 (those of a randomly initialised
#: encoder: about 1e-4) partly unscaled; this one standardises them.
STANDARDISE_EPS = 1e-10


class LinearProbe(nn.Module):
    """A linear classifier, optionally on standardised features.

    Args:
        in_channels (int): Feature size C.
        num_classes (int): Classes K.
        standardise (bool): Put ``BatchNorm1d(C, affine=False,
            eps=STANDARDISE_EPS)`` first:
            batch statistics while training; when testing, the statistics
            of the whole training set (set by :func:`train_linear_probe`).

    Shapes:
        (N, C) features -> (N, K) class scores.
    """

    def __init__(self, in_channels: int, num_classes: int,
                 standardise: bool = False):
        super().__init__()
        self.norm = (nn.BatchNorm1d(
            in_channels, affine=False, eps=STANDARDISE_EPS)
                     if standardise else nn.Identity())
        self.fc = nn.Linear(in_channels, num_classes)

    def forward(self, feats: torch.Tensor) -> torch.Tensor:
        return self.fc(self.norm(feats))


def _as_inputs(feats, labels, name: str, num_classes: Optional[int] = None):
    """(N, C) float32 and (N,) int64 tensors, checked."""
    feats = torch.as_tensor(np.asarray(feats), dtype=torch.float32)
    labels = torch.as_tensor(np.asarray(labels), dtype=torch.int64)
    if feats.dim() != 2 or labels.shape != (feats.shape[0], ):
        raise ValueError(
            f'linear probe: {name} features must be (N, C) with (N,) labels, '
            f'got {tuple(feats.shape)} and {tuple(labels.shape)}')
    if feats.shape[0] == 0:
        raise ValueError(f'linear probe: the {name} set is empty')
    if not torch.isfinite(feats).all():
        bad = int((~torch.isfinite(feats)).any(1).nonzero()[0])
        raise ValueError(f'linear probe: {name} sample {bad} has a '
                         'non-finite feature')
    if num_classes is not None and (labels.min() < 0
                                    or labels.max() >= num_classes):
        bad = int(((labels < 0) | (labels >= num_classes)).nonzero()[0])
        raise ValueError(
            f'linear probe: {name} sample {bad} has label '
            f'{int(labels[bad])}, outside 0..{num_classes - 1}')
    return feats, labels


def train_linear_probe(train_feats,
                       train_labels,
                       num_classes: int,
                       epochs: int = 150,
                       lr: float = 0.01,
                       batch_size: int = 128,
                       standardise: bool = False,
                       seed: int = 0,
                       init_std: float = GCN_HEAD_INIT_STD,
                       init_state: Optional[Dict[str, torch.Tensor]] = None
                       ) -> LinearProbe:
    """Train a :class:`LinearProbe` as the linear protocol trains its head.

    Args:
        train_feats (array-like): (N, C) frozen features.
        train_labels (array-like): (N,) labels in ``0..num_classes-1``.
        num_classes (int): Classes K.
        epochs (int): Epochs; the learning rate follows
            ``lr * (1 + cos(pi * e / epochs)) / 2`` in epoch ``e``.
        lr (float): Adam's learning rate (no weight decay).
        batch_size (int): Samples per step; the last batch may be smaller.
        standardise (bool): See :class:`LinearProbe`.
        seed (int): Seeds the classifier's initialisation and the order of
            the samples (own generators; the global RNG is untouched):
            epoch ``e`` visits the samples in the order of MMEngine's
            ``DefaultSampler`` with seed ``seed`` (``randperm`` from a
            generator seeded ``seed + e``), as the linear protocol run with
            ``randomness.seed=seed`` does.
        init_std (float): Standard deviation of the initial weights (the
            bias starts at 0), ``GCNHead``'s by default.
        init_state (dict, optional): The classifier's initial ``weight``
            (K, C) and ``bias`` (K,) instead of drawing them, e.g. those a
            runner's ``GCNHead.fc`` started from.

    Returns:
        LinearProbe: The trained classifier, in eval mode.
    """
    feats, labels = _as_inputs(train_feats, train_labels, 'training',
                               num_classes)
    if epochs < 1 or batch_size < 1:
        raise ValueError('linear probe: epochs and batch_size must be >= 1')
    init = torch.Generator().manual_seed(seed)
    with torch.random.fork_rng(devices=[]):  # nn.Linear draws globally
        probe = LinearProbe(feats.shape[1], num_classes, standardise)
    # GCNHead's initialisation, drawn from the probe's generator.
    with torch.no_grad():
        probe.fc.weight.normal_(0.0, init_std, generator=init)
        probe.fc.bias.zero_()
    if init_state is not None:
        probe.fc.load_state_dict(init_state)
    optimizer = torch.optim.Adam(probe.parameters(), lr=lr, weight_decay=0.0)
    probe.train()
    for epoch in range(epochs):
        for group in optimizer.param_groups:
            group['lr'] = lr * (1 + math.cos(math.pi * epoch / epochs)) / 2
        # DefaultSampler's order of this epoch.
        perm = torch.randperm(feats.shape[0],
                              generator=torch.Generator().manual_seed(
                                  seed + epoch))
        for start in range(0, feats.shape[0], batch_size):
            idx = perm[start:start + batch_size]
            if standardise and idx.numel() == 1:
                continue  # BatchNorm cannot standardise a single sample
            loss = F.cross_entropy(probe(feats[idx]), labels[idx])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    if standardise:
        # Test with the statistics of the whole training set, not a running
        # average of the last batches.
        with torch.no_grad():
            probe.norm.running_mean.copy_(feats.mean(0))
            probe.norm.running_var.copy_(feats.var(0, unbiased=True))
    return probe.eval()


def probe_top1(probe: LinearProbe, feats, labels) -> float:
    """Top-1 accuracy (fraction) of a probe on (N, C) features."""
    feats, labels = _as_inputs(feats, labels, 'test')
    with torch.no_grad():
        pred = probe.eval()(feats).argmax(1)
    return float((pred == labels).float().mean())


def linear_probe_top1(train_feats, train_labels, test_feats, test_labels,
                      num_classes: int, **kwargs) -> Dict[str, object]:
    """Train on one set, test on another.

    Args:
        train_feats, train_labels: The training set, (N, C) and (N,).
        test_feats, test_labels: The test set, (N', C) and (N',).
        num_classes (int): Classes K.
        **kwargs: :func:`train_linear_probe`'s options.

    Returns:
        dict: ``top1`` (fraction) and the trained ``probe``.
    """
    probe = train_linear_probe(train_feats, train_labels, num_classes,
                               **kwargs)
    return dict(top1=probe_top1(probe, test_feats, test_labels), probe=probe)
