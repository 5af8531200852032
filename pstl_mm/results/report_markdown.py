"""The results as Markdown tables, put between markers of a file."""
import os
import os.path as osp
from typing import Dict, List


def markers(tag: str):
    """The lines that enclose the tables of ``tag`` (e.g. a dataset)."""
    return f'<!-- {tag}:begin -->', f'<!-- {tag}:end -->'


def cell(value) -> str:
    """``mean ± std (run / run / ...)`` of a summary, one decimal; a single
    run alone; ``–`` for none."""
    if not value:
        return '–'
    runs = value['runs']
    if len(runs) == 1:
        return f'{value["mean"]:.1f}'
    return (f'{value["mean"]:.1f} ± {value["std"]:.1f} '
            f'({" / ".join(f"{r:.1f}" for r in runs)})')


def tables(results: dict, labels: Dict[str, str]) -> str:
    """The Markdown tables of a results dict.

    Args:
        results (dict): As the pipeline writes it (``pretrain_epochs``,
            ``seeds``, ``machine``, the summaries of
            :func:`~pstl_mm.results.report_json.summarise`, ``knn_ks`` and
            ``partial_body``: the loop's ``repeats``, ``num_joints``,
            ``num_parts``).
        labels (dict): Encoder -> its name in the tables, in their order.

    Returns:
        str: A line on the runs, the main table, and one table per
        partial-body mode and kind.
    """
    ks = sorted(results['knn_ks'], reverse=True)
    knn_keys = ['knn_top1' if i == 0 else f'knn_top1_k{k}'
                for i, k in enumerate(ks)]
    header = (['Encoder', 'Linear', 'Linear, standardised features'] +
              [f'kNN k={k}' for k in ks] +
              ['Feature std', 'Class share of variance', 'Pretraining (min)'])
    lines = [
        f'Pretraining: {results["pretrain_epochs"]} epochs, seeds '
        f'{", ".join(map(str, results["seeds"]))}; top-1 in %, mean ± '
        'standard deviation over seeds (each seed in brackets; a row of '
        'one seed says so). Machine: '
        f'{results["machine"]}.', '',
        '| ' + ' | '.join(header) + ' |', '|---' * len(header) + '|'
    ]
    for name, label in labels.items():
        if name not in results['linear_top1']:
            continue
        std = results['feature_std'].get(name)
        share = results['class_variance_share'].get(name)
        seeds = len(results['linear_top1'][name]['runs'])
        if seeds != len(results['seeds']):
            label = f'{label} ({seeds} seed{"s" * (seeds > 1)})'
        cells = [label, cell(results['linear_top1'].get(name)),
                 cell(results['linear_top1_standardised'].get(name))]
        cells += [cell(results[key].get(name)) for key in knn_keys]
        cells += [f'{std["mean"]}' if std else '–',
                  f'{share["mean"]}' if share else '–',
                  f'{results["pretrain_minutes"].get(name, "–")}']
        lines.append('| ' + ' | '.join(cells) + ' |')
    partial = results.get('partial_body') or {}
    titles = dict(
        joints=f'Joints removed (of {partial.get("num_joints")})',
        parts=f'Body parts removed (of {partial.get("num_parts")})')
    for mode in partial.get('modes', ()):
        table = results.get(f'partial_body_{mode}') or {}
        for kind, title in titles.items():
            names = [n for n in labels if kind in table.get(n, {})]
            if not names:
                continue
            levels = list(table[names[0]][kind])
            lines += [
                '', f'Partial body, {mode} mode, linear classifier: {title}, '
                f'top-1 in % ({partial["repeats"]} draws per level and '
                'seed)', '', '| Encoder | ' + ' | '.join(levels) + ' |',
                '|---' * (len(levels) + 1) + '|'
            ]
            for name in names:
                lines.append(f'| {labels[name]} | ' + ' | '.join(
                    cell(table[name][kind][lv]) for lv in levels) + ' |')
    lines += curve_table(results, labels) + finetune_table(results, labels)
    return '\n'.join(lines)


def curve_table(results: dict, labels: Dict[str, str]) -> List[str]:
    """The learning curve's lines (none without one): per epoch, the
    standardised linear probe and kNN of each method."""
    curve = results.get('learning_curve') or {}
    if not curve:
        return []
    names = [n for n in labels if n in curve]
    epochs = sorted({int(e) for n in names for e in curve[n]})
    ks = sorted(results['knn_ks'], reverse=True)
    header = ['Epoch'] + [f'{labels[n]}: {what}' for n in names
                          for what in ('linear, standardised',
                                       f'kNN k={ks[0]}')]
    lines = ['', 'Learning curve: one pretraining per method for '
             f'{max(epochs)} epochs, seed {results["seeds"][0]} (one seed), '
             'its checkpoints evaluated as above; top-1 in %.', '',
             '| ' + ' | '.join(header) + ' |', '|---' * len(header) + '|']
    for epoch in epochs:
        cells = [str(epoch)]
        for name in names:
            point = curve[name].get(str(epoch))
            cells += ([f'{point["linear_standardised"]:.1f}',
                       f'{point["knn"][f"k{ks[0]}"]:.1f}'] if point
                      else ['–', '–'])
        lines.append('| ' + ' | '.join(cells) + ' |')
    return lines


def finetune_table(results: dict, labels: Dict[str, str]) -> List[str]:
    """The fine-tuning rows (none without them): per starting encoder,
    the top-1 of each protocol."""
    table = results.get('finetune') or {}
    if not table:
        return []
    settings = results['finetune_protocols']
    protocols = [p for p in settings if p in table]
    names = [n for n in labels
             if any(n in table[p] for p in protocols)]
    header = ['Start'] + [
        f'{100 * settings[p]["label_fraction"]:g} % labels'
        for p in protocols]
    lines = ['', 'Fine-tuning (the whole network trained) with a share of '
             'the training labels per class, ' + ', '.join(
                 f'{p}: {settings[p]["epochs"]} epochs' for p in protocols)
             + '; last-epoch top-1 in % on the test split, mean ± standard '
             'deviation over seeds (each seed in brackets).', '',
             '| ' + ' | '.join(header) + ' |', '|---' * len(header) + '|']
    for name in names:
        lines.append(f'| {labels[name]} | ' + ' | '.join(
            cell(table[p].get(name)) for p in protocols) + ' |')
    return lines


def write_between_markers(path: str, text: str, tag: str) -> None:
    """Put ``text`` between the markers of ``tag`` in ``path``.

    The rest of the file is kept; without the markers the block is appended
    (the file is created if missing).
    """
    begin, end = markers(tag)
    block = f'{begin}\n{text}\n{end}'
    content = ''
    if osp.isfile(path):
        with open(path) as f:
            content = f.read()
    if begin in content and end in content:
        head, rest = content.split(begin, 1)
        content = head + block + rest.split(end, 1)[1]
    else:
        content = (content + '\n' if content else '') + block + '\n'
    os.makedirs(osp.dirname(path) or '.', exist_ok=True)
    with open(path, 'w') as f:
        f.write(content)
