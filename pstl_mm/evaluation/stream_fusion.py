"""Fusing the class scores of several streams (3s-PSTL: joint + bone +
motion): the weighted sum of the dumps' scores, and each one's top-k.

The dumps (``tools/test.py --dump``) must hold the same samples in the same
order, checked by sample name where they carry one and by label.
"""
import os.path as osp
from typing import List, Optional, Sequence, Tuple

import numpy as np

from ..datasets.safe_pickle import safe_load


class FusionError(ValueError):
    """The dumps cannot be fused."""


def load_scores(path: str) -> Tuple[Optional[List[str]], np.ndarray,
                                     np.ndarray]:
    """Read an MMEngine result dump (``tools/test.py --dump``).

    Returns:
        tuple: sample names (or None when the dump has none), (N, K) scores
        and (N,) labels.
    """
    results = safe_load(path, allow_tensors=True)
    if not isinstance(results, list) or not results:
        raise FusionError(f'{path}: expected a non-empty list of results')
    names, scores, labels = [], [], []
    for i, result in enumerate(results):
        if not isinstance(result, dict) or 'pred_score' not in result or \
                'gt_label' not in result:
            raise FusionError(f'{path}: result {i} has no pred_score and '
                              'gt_label')
        names.append(result.get('frame_dir'))
        scores.append(np.asarray(result['pred_score'], dtype=np.float64))
        labels.append(int(np.asarray(result['gt_label']).reshape(-1)[0]))
    shapes = {s.shape for s in scores}
    if len(shapes) != 1:
        raise FusionError(f'{path}: scores of different sizes {shapes}')
    has_names = all(n is not None for n in names)
    return (names if has_names else None), np.stack(scores), np.array(labels)


def topk_accuracy(scores: np.ndarray, labels: np.ndarray,
                  k: int) -> float:
    """Share of samples whose label is among the k highest scores."""
    k = min(k, scores.shape[1])
    top = np.argsort(-scores, axis=1, kind='stable')[:, :k]
    return float((top == labels[:, None]).any(axis=1).mean())


def fuse(paths: Sequence[str],
         weights: Optional[Sequence[float]] = None) -> dict:
    """Fuse the dumps; return each stream's and the fused accuracies."""
    if weights is None:
        weights = [1.0] * len(paths)
    if len(weights) != len(paths):
        raise FusionError(f'{len(weights)} weights for {len(paths)} dumps')
    loaded = [load_scores(p) for p in paths]
    names0, scores0, labels0 = loaded[0]
    for path, (names, scores, labels) in zip(paths[1:], loaded[1:]):
        if scores.shape != scores0.shape:
            raise FusionError(
                f'{path}: {scores.shape[0]} samples x {scores.shape[1]} '
                f'classes, but {paths[0]} has {scores0.shape[0]} x '
                f'{scores0.shape[1]}')
        if names is not None and names0 is not None and names != names0:
            i = next(j for j, (a, b) in enumerate(zip(names, names0))
                     if a != b)
            raise FusionError(f'{path}: sample {i} is {names[i]!r} but '
                              f'{names0[i]!r} in {paths[0]}')
        if not np.array_equal(labels, labels0):
            i = int(np.flatnonzero(labels != labels0)[0])
            raise FusionError(f'{path}: sample {i} has label {labels[i]} but '
                              f'{labels0[i]} in {paths[0]} (order differs)')
    fused = sum(w * scores for w, (_, scores, _) in zip(weights, loaded))
    report = {}
    for path, (_, scores, labels) in zip(paths, loaded):
        report[osp.basename(path)] = (topk_accuracy(scores, labels, 1),
                                      topk_accuracy(scores, labels, 5))
    report['fused'] = (topk_accuracy(fused, labels0, 1),
                       topk_accuracy(fused, labels0, 5))
    return report
