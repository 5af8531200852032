"""Weighted k-nearest-neighbour top-1 of frozen features."""
from typing import Dict, Sequence

import torch
import torch.nn.functional as F

#: Softmax temperature of the votes (InstDisc, DINO, mmselfsup).
TEMPERATURE = 0.07


def check_ks(ks: Sequence[int], memory_size: int) -> tuple:
    """Validate neighbour counts against a memory set.

    Args:
        ks (Sequence[int]): Neighbour counts.
        memory_size (int): Samples of the memory set.

    Returns:
        tuple[int, ...]: ``ks``.

    Raises:
        ValueError: ``ks`` is empty, not distinct ints >= 1, or holds a
            ``k`` larger than ``memory_size``; the message names it.
    """
    ks = tuple(ks)
    if not ks or len(set(ks)) != len(ks) or any(
            not isinstance(k, int) or isinstance(k, bool) or k < 1
            for k in ks):
        raise ValueError(
            f'knn_top1: ks must be distinct ints >= 1, got {ks!r}')
    if max(ks) > memory_size:
        raise ValueError(f'knn_top1: k={max(ks)} is larger than the memory '
                         f'set ({memory_size} samples)')
    return ks


def _check_labels(name: str, labels: torch.Tensor, size: int) -> None:
    """Labels must be one int >= 0 per feature."""
    if labels.dim() != 1 or labels.numel() != size:
        raise ValueError(f'knn_top1: {name} labels must have shape ({size},), '
                         f'got {tuple(labels.shape)}')
    if labels.dtype.is_floating_point or labels.dtype == torch.bool:
        raise ValueError(f'knn_top1: {name} labels must be integers, got '
                         f'{labels.dtype}')
    missing = int((labels < 0).sum())
    if missing:
        raise ValueError(f'knn_top1: {missing} of {size} {name} samples have '
                         'no label (< 0); kNN needs a labelled split')


def knn_top1(train_feats: torch.Tensor,
             train_labels: torch.Tensor,
             test_feats: torch.Tensor,
             test_labels: torch.Tensor,
             ks: Sequence[int] = (1, 20),
             temperature: float = TEMPERATURE,
             chunk_size: int = 256) -> Dict[int, float]:
    """Top-1 accuracy of weighted kNN classification on cosine similarity.

    Both sets are L2-normalised. For every test feature, the ``k`` memory
    (training) features of highest cosine similarity ``s`` vote for their
    labels with weight ``exp(s / temperature)``; the prediction is the label
    with the largest summed vote (the rule of InstDisc, DINO and
    mmselfsup). ``k = 1`` is plain nearest neighbour. Equal votes go to the
    smallest label. Test features are scored ``chunk_size`` at a time, so at
    most ``chunk_size x N_train`` similarities exist at once.

    Args:
        train_feats (torch.Tensor): (N_train, C) memory features.
        train_labels (torch.Tensor): (N_train,) int labels >= 0.
        test_feats (torch.Tensor): (N_test, C) features to classify, on the
            device of ``train_feats``.
        test_labels (torch.Tensor): (N_test,) int labels >= 0.
        ks (Sequence[int]): Neighbour counts, each <= N_train.
            Defaults to ``(1, 20)``.
        temperature (float): Temperature of the vote weights. Defaults
            to 0.07.
        chunk_size (int): Test features per similarity block.
            Defaults to 256.

    Returns:
        dict[int, float]: ``k`` -> top-1 accuracy as a fraction of 1.

    Raises:
        ValueError: Shapes that do not match, an empty set, a sample
            without a label, a ``k`` out of range, or a non-positive
            ``temperature`` or ``chunk_size``.
    """
    if train_feats.dim() != 2 or test_feats.dim() != 2 or \
            train_feats.shape[1] != test_feats.shape[1]:
        raise ValueError('knn_top1: features must be (N_train, C) and '
                         f'(N_test, C), got {tuple(train_feats.shape)} and '
                         f'{tuple(test_feats.shape)}')
    n_train, n_test = len(train_feats), len(test_feats)
    if n_train == 0 or n_test == 0:
        raise ValueError(f'knn_top1: empty set ({n_train} memory, {n_test} '
                         'test samples)')
    _check_labels('memory', train_labels, n_train)
    _check_labels('test', test_labels, n_test)
    ks = check_ks(ks, n_train)
    if not temperature > 0:
        raise ValueError(f'knn_top1: temperature must be > 0, got '
                         f'{temperature}')
    if chunk_size < 1:
        raise ValueError(f'knn_top1: chunk_size must be >= 1, got '
                         f'{chunk_size}')

    device = train_feats.device
    train = F.normalize(train_feats.float(), dim=1)
    train_labels = train_labels.to(device).long()
    test_labels = test_labels.to(device).long()
    num_classes = int(max(train_labels.max(), test_labels.max())) + 1
    k_max = max(ks)
    correct = dict.fromkeys(ks, 0)
    for start in range(0, n_test, chunk_size):
        test = F.normalize(
            test_feats[start:start + chunk_size].to(device).float(), dim=1)
        sims, idx = (test @ train.T).topk(k_max, dim=1)  # (B, k_max)
        weights = (sims / temperature).exp()
        neighbours = train_labels[idx]  # (B, k_max)
        truth = test_labels[start:start + chunk_size]
        for k in ks:
            votes = weights.new_zeros(len(test), num_classes)
            votes.scatter_add_(1, neighbours[:, :k], weights[:, :k])
            correct[k] += int((votes.argmax(dim=1) == truth).sum())
    return {k: correct[k] / n_test for k in ks}
