"""Top-1 accuracy per occlusion setting (the paper's Tab.4 and Tab.5)."""
import json
import os
import os.path as osp
from collections import defaultdict
from typing import Dict, List, Optional, Sequence

import numpy as np
from mmaction.registry import METRICS
from mmengine.logging import print_log

from .report_metric import ReportMetric

KIND_TITLES = {
    'joints': 'Joints shaded',
    'parts': 'Body parts shaded',
}
MODE_ORDER = ('zero', 'drop')


def _as_int(value) -> int:
    """A Python int from an int, a numpy scalar or a one-element tensor."""
    if hasattr(value, 'item'):
        return int(value.item())
    return int(value)


def summarize(results: Sequence[Dict]) -> List[Dict]:
    """Top-1 accuracy per repeat, then mean and spread over the repeats.

    Results with the same ``(mode, kind, level, repeat, sample_idx)`` are
    counted once (a distributed sampler pads the last batch with repeated
    samples).

    Args:
        results (list[dict]): One dict per sample with ``mode``, ``kind``,
            ``level``, ``repeat``, ``sample_idx`` (or ``None``), ``pred``
            and ``label``.

    Returns:
        list[dict]: One row per ``(mode, kind, level)``, sorted, with
        ``per_repeat`` (top-1 of each repeat, fraction), ``top1`` (their
        mean), ``top1_std`` (their sample standard deviation, ddof=1; 0
        for a single repeat), ``num_repeats`` and ``num_samples`` (per
        repeat).
    """
    correct = defaultdict(list)
    seen = set()
    for res in results:
        setting = (res['mode'], res['kind'], int(res['level']),
                   int(res['repeat']))
        if res.get('sample_idx') is not None:
            key = setting + (int(res['sample_idx']), )
            if key in seen:
                continue
            seen.add(key)
        correct[setting].append(res['pred'] == res['label'])

    per_level = defaultdict(dict)
    for (mode, kind, level, repeat), hits in correct.items():
        per_level[(mode, kind, level)][repeat] = hits

    def order(key):
        mode, kind, level = key
        rank = MODE_ORDER.index(mode) if mode in MODE_ORDER else len(
            MODE_ORDER)
        return (rank, mode, kind, level)

    rows = []
    for key in sorted(per_level, key=order):
        repeats = per_level[key]
        top1 = np.array([np.mean(repeats[r]) for r in sorted(repeats)])
        rows.append(
            dict(
                mode=key[0],
                kind=key[1],
                level=key[2],
                per_repeat=top1.tolist(),
                top1=float(top1.mean()),
                top1_std=float(top1.std(ddof=1)) if len(top1) > 1 else 0.0,
                num_repeats=len(top1),
                num_samples=int(
                    np.mean([len(repeats[r]) for r in repeats]))))
    return rows


def format_tables(rows: Sequence[Dict]) -> str:
    """The paper's tables: a row per mode, a column per level.

    Args:
        rows (list[dict]): Output of :func:`summarize`.

    Returns:
        str: One table per kind, top-1 in percent as ``mean ± std``.
    """
    blocks = []
    for kind in _kinds(rows):
        sub = [row for row in rows if row['kind'] == kind]
        levels = sorted({row['level'] for row in sub})
        modes = list(dict.fromkeys(row['mode'] for row in sub))
        cells = {(row['mode'], row['level']): row for row in sub}
        repeats = max(row['num_repeats'] for row in sub)
        title = (f'{KIND_TITLES.get(kind, kind)}: top-1 (%), mean ± std over '
                 f'up to {repeats} repeat(s)')
        header = ['mode'] + [str(level) for level in levels]
        table = [header]
        for mode in modes:
            line = [mode]
            for level in levels:
                row = cells.get((mode, level))
                line.append('-' if row is None else
                            f"{100 * row['top1']:.1f} ± "
                            f"{100 * row['top1_std']:.1f}")
            table.append(line)
        widths = [max(len(line[i]) for line in table)
                  for i in range(len(header))]
        text = [
            ' | '.join(cell.rjust(width) for cell, width in zip(line, widths))
            for line in table
        ]
        text.insert(1, '-+-'.join('-' * width for width in widths))
        blocks.append('\n'.join([title] + text))
    return '\n\n'.join(blocks)


def _kinds(rows: Sequence[Dict]) -> List[str]:
    """The kinds present, joints first."""
    kinds = list(dict.fromkeys(row['kind'] for row in rows))
    return sorted(kinds, key=lambda k: (k not in KIND_TITLES, k))


def plot(rows: Sequence[Dict], path: str) -> None:
    """Draw top-1 against occlusion level, a panel per kind.

    Args:
        rows (list[dict]): Output of :func:`summarize`.
        path (str): Where to write the PNG.
    """
    # The object-oriented API: no pyplot state, no global backend switch.
    from matplotlib.figure import Figure
    kinds = _kinds(rows)
    fig = Figure(figsize=(5 * max(len(kinds), 1), 4), layout='constrained')
    axes = fig.subplots(1, max(len(kinds), 1), squeeze=False)[0]
    for ax, kind in zip(axes, kinds):
        sub = [row for row in rows if row['kind'] == kind]
        for mode in dict.fromkeys(row['mode'] for row in sub):
            line = sorted((row for row in sub if row['mode'] == mode),
                          key=lambda row: row['level'])
            ax.errorbar([row['level'] for row in line],
                        [100 * row['top1'] for row in line],
                        yerr=[100 * row['top1_std'] for row in line],
                        marker='o',
                        capsize=3,
                        label=mode)
        ax.set_title(KIND_TITLES.get(kind, kind))
        ax.set_xlabel(f'{kind} shaded')
        ax.set_ylabel('top-1 (%)')
        ax.set_xticks(sorted({row['level'] for row in sub}))
        ax.grid(alpha=0.3)
        ax.legend(title='mode')
    fig.savefig(path, dpi=120)


@METRICS.register_module()
class PartialBodyMetric(ReportMetric):
    """Top-1 accuracy of every occlusion setting, averaged over repeats.

    Every sample must carry the ``occlusion`` metainfo of
    :class:`~pstl_mm.datasets.transforms.PartialBodyOcclusion`
    (``PackActionInputs(meta_keys=('sample_idx', 'occlusion', ...))``).
    :meth:`compute_metrics` groups the samples by ``(mode, kind, level,
    repeat)``, computes top-1 per repeat, then the mean and the sample
    standard deviation over repeats per ``(mode, kind, level)``; it prints
    both tables (a row per mode, a column per level) and, given an output
    folder, writes ``partial_body.json`` and ``partial_body.png`` there.

    Metrics (fractions, as MMAction2's ``AccMetric``):
    ``partial_body/{mode}/{kind}_{level}/top1`` and ``.../top1_std``.

    Args:
        out_dir (str, optional): Folder of the JSON and PNG. ``None`` takes
            the folder :class:`~pstl_mm.engine.PartialBodyTestLoop` sets
            (the run's log dir); with neither, only the tables are printed.
        collect_device (str): ``'cpu'`` or ``'gpu'``. Defaults to ``'cpu'``.
        prefix (str, optional): Prefix of the metric names. Defaults to
            ``'partial_body'``.
        collect_dir (str, optional): See :class:`~mmengine.evaluator.
            BaseMetric`.
    """

    default_prefix: Optional[str] = 'partial_body'

    def process(self, data_batch, data_samples: Sequence[Dict]) -> None:
        """Store the setting, prediction and label of every sample.

        Args:
            data_batch (Any): The batch (unused).
            data_samples (list[dict]): Model outputs as dicts, with
                ``pred_score`` (num_classes,), ``gt_label`` (1,),
                ``occlusion`` and, where packed, ``sample_idx``.

        Raises:
            ValueError: A sample has no ``occlusion`` metainfo.
        """
        for sample in data_samples:
            occlusion = sample.get('occlusion')
            if occlusion is None:
                raise ValueError(
                    'PartialBodyMetric: a data sample has no "occlusion" '
                    'metainfo; put PartialBodyOcclusion in the test pipeline '
                    'and "occlusion" in PackActionInputs(meta_keys=...)')
            self.results.append(
                dict(
                    mode=occlusion['mode'],
                    kind=occlusion['kind'],
                    level=int(occlusion['level']),
                    repeat=int(occlusion['repeat']),
                    sample_idx=sample.get('sample_idx'),
                    pred=_as_int(sample['pred_score'].argmax()),
                    label=_as_int(sample['gt_label'])))

    def compute_metrics(self, results: List) -> Dict[str, float]:
        """Summarize, print the tables and write the report.

        Args:
            results (list[dict]): The stored results of every rank.

        Returns:
            dict[str, float]: ``{mode}/{kind}_{level}/top1`` and
            ``{mode}/{kind}_{level}/top1_std`` (the prefix is added by
            :meth:`evaluate`).
        """
        rows = summarize(results)
        metrics = {}
        for row in rows:
            name = f"{row['mode']}/{row['kind']}_{row['level']}"
            metrics[f'{name}/top1'] = row['top1']
            metrics[f'{name}/top1_std'] = row['top1_std']
        print_log('\n' + format_tables(rows), logger='current')
        out_dir = self.report_dir
        if out_dir is None:
            print_log(
                'PartialBodyMetric: no out_dir, partial_body.json/.png not '
                'written', logger='current')
            return metrics
        os.makedirs(out_dir, exist_ok=True)
        json_path = osp.join(out_dir, 'partial_body.json')
        with open(json_path, 'w') as f:
            json.dump(
                dict(
                    unit='top-1 accuracy (fraction of 1)',
                    std='sample standard deviation over repeats (ddof=1); '
                    '0 for a single repeat',
                    rows=rows),
                f,
                indent=2)
        png_path = osp.join(out_dir, 'partial_body.png')
        plot(rows, png_path)
        print_log(f'PartialBodyMetric: wrote {json_path} and {png_path}',
                  logger='current')
        return metrics
