"""The results of every finished run, summed up per encoder, as JSON."""
import json
import os
import os.path as osp
from typing import Dict, List, Optional, Sequence

import numpy as np


def summary(values: Sequence[float], digits: Optional[int] = None) -> dict:
    """Mean, sample standard deviation (``None`` for one run) and each run:
    as computed, or rounded to ``digits`` significant digits.

    Not rounded by default, so that a table's one decimal rounds the value
    itself as the progress log does: any earlier rounding can move it
    (59.0517 -> 59.05 -> 59.0; 24.349999999999998 -> 24.35 -> 24.4)."""
    values = [float(v) for v in values]

    def fmt(v):
        return v if digits is None else float(f'{v:.{digits}g}')

    std = (fmt(float(np.std(values, ddof=1))) if len(values) > 1 else None)
    return dict(mean=fmt(float(np.mean(values))), std=std,
                runs=[fmt(v) for v in values])


def summarise(runs: List[dict], names: Sequence[str],
              ks: Sequence[int]) -> dict:
    """Per encoder, the mean over its runs (seeds) of every number.

    Args:
        runs (list[dict]): One per finished run: ``name`` (the encoder),
            ``evaluate`` (:func:`~pstl_mm.results.evaluate.evaluate_features`'
            numbers, if done), ``partial_body`` (``{mode: {kind: {level:
            top1}}}``, if done), ``pretrain`` (with ``minutes``, if done).
        names (Sequence[str]): The encoders, in the tables' order.
        ks (Sequence[int]): kNN's k; the largest is ``knn_top1``, the others
            ``knn_top1_k<k>``.

    Returns:
        dict: ``linear_top1``, ``linear_top1_standardised``, the kNN keys,
        ``feature_std``, ``class_variance_share`` (each: encoder ->
        :func:`summary`), ``partial_body_<mode>`` (encoder -> kind -> level
        -> summary) and ``pretrain_minutes`` (encoder -> sum over runs).
    """
    by_name: Dict[str, Dict[str, list]] = {n: {} for n in names}
    for run in runs:
        for step in ('evaluate', 'partial_body', 'pretrain'):
            if run.get(step) is not None:
                by_name[run['name']].setdefault(step, []).append(run[step])

    def per_name(get, digits=None):
        out = {}
        for name in names:
            values = [get(v) for v in by_name[name].get('evaluate', [])]
            values = [v for v in values if v is not None]
            if values:
                out[name] = summary(values, digits)
        return out

    ks = sorted(ks, reverse=True)
    out = dict(
        linear_top1=per_name(lambda v: v['linear']),
        linear_top1_standardised=per_name(
            lambda v: v['linear_standardised']))
    for i, k in enumerate(ks):
        key = 'knn_top1' if i == 0 else f'knn_top1_k{k}'
        out[key] = per_name(lambda v, k=k: v['knn'].get(f'k{k}'))
    out['feature_std'] = per_name(lambda v: v['feature_std'], digits=3)
    out['class_variance_share'] = per_name(lambda v: v['class_share'],
                                           digits=3)
    modes = []
    for name in names:
        for report in by_name[name].get('partial_body', []):
            modes += [m for m in report if m not in modes]
    for mode in modes:
        table = {}
        for name in names:
            reports = [r[mode] for r in by_name[name].get('partial_body', [])
                       if mode in r]
            if reports:
                table[name] = {
                    kind: {
                        level: summary([r[kind][level] for r in reports])
                        for level in reports[0][kind]
                    }
                    for kind in reports[0]
                }
        out[f'partial_body_{mode}'] = table
    out['pretrain_minutes'] = {
        name: round(sum(p['minutes'] for p in by_name[name]['pretrain']), 1)
        for name in names if by_name[name].get('pretrain')
    }
    return out


def write_json(path: str, results: dict) -> None:
    """Write ``results`` to ``path`` (folders made, replaced at once)."""
    os.makedirs(osp.dirname(path) or '.', exist_ok=True)
    tmp = osp.join(osp.dirname(path) or '.', f'.{osp.basename(path)}.tmp')
    with open(tmp, 'w') as f:
        json.dump(results, f, indent=2)
        f.write('\n')
    os.replace(tmp, path)
