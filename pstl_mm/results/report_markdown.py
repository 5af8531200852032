"""The results as Markdown tables, put between markers of a file."""
import os
import os.path as osp
from typing import Dict, List, Optional


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


def n_seeds(count: int) -> str:
    """``'1 seed'``, ``'3 seeds'``."""
    return f'{count} seed{"s" * (count != 1)}'


def short_commit(commit: str) -> str:
    """``git_commit``'s full hash shortened to 7 digits, keeping its
    ``+dirty`` mark (a result of uncommitted sources says so)."""
    return commit[:7] + ('+dirty' if commit.endswith('+dirty') else '')


def computed_at(records) -> str:
    """The short commit(s) a table's records (dicts with ``commit``) were
    computed at, e.g. ``'b721d00'`` or ``'4feb6ad, b721d00'``."""
    commits = sorted({short_commit(r['commit']) for r in records
                      if r.get('commit')})
    return ', '.join(commits) or 'an unrecorded commit'


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
              ['Feature std', 'Class share of variance',
               'Pretraining (min, sum over seeds)'])
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
            label = f'{label} ({n_seeds(seeds)})'
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
    found = findings(results, labels)
    if found:
        lines += ['', 'What these numbers say (computed from them):', '']
        lines += found
    return '\n'.join(lines)


def curve_table(results: dict, labels: Dict[str, str]) -> List[str]:
    """The learning curve's lines (none without one): per epoch, the
    linear probe (raw and standardised) and kNN of each method."""
    curve = results.get('learning_curve') or {}
    if not curve:
        return []
    names = [n for n in labels if n in curve]
    epochs = sorted({int(e) for n in names for e in curve[n]})
    ks = sorted(results['knn_ks'], reverse=True)
    header = ['Epoch'] + [f'{labels[n]}: {what}' for n in names
                          for what in ('linear (standardised)',
                                       f'kNN k={ks[0]}')]
    at = computed_at(epoch_record
                     for run in results.get('learning_curve_runs', {})
                     .values() for epoch_record in run.values())
    lines = ['', 'Learning curve: one pretraining per method for '
             f'{max(epochs)} epochs, seed {results["seeds"][0]} (one seed), '
             'its checkpoints evaluated as above; top-1 in %; computed at '
             f'{at}.', '',
             '| ' + ' | '.join(header) + ' |', '|---' * len(header) + '|']
    for epoch in epochs:
        cells = [str(epoch)]
        for name in names:
            point = curve[name].get(str(epoch))
            cells += ([f'{point["linear"]:.1f} '
                       f'({point["linear_standardised"]:.1f})',
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
             'deviation over seeds (each seed in brackets; a cell of fewer '
             f'than the run\'s {n_seeds(len(results["seeds"]))} says how many '
             'it has); computed at '
             + computed_at(results.get('finetune_runs', {}).values()) + '.',
             '', '| ' + ' | '.join(header) + ' |', '|---' * len(header) + '|']

    def seeds_cell(value):
        count = len(value['runs']) if value else 0
        return cell(value) + (
            f' ({count} of {len(results["seeds"])} seeds)'
            if 0 < count < len(results['seeds']) else '')

    for name in names:
        lines.append(f'| {labels[name]} | ' + ' | '.join(
            seeds_cell(table[p].get(name)) for p in protocols) + ' |')
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


def _mean(results: dict, key: str, name: str) -> Optional[float]:
    value = (results.get(key) or {}).get(name)
    return None if not value else value['mean']


def _gaps(results: dict, key: str, a: str, b: str) -> List[float]:
    """``a - b`` per seed both have finished (runs are in seed order, and a
    run's seeds finish in that order)."""
    return [x - y for x, y in zip(results[key][a]['runs'],
                                  results[key][b]['runs'])]


def findings(results: dict, labels: Dict[str, str]) -> List[str]:
    """What the numbers say, as sentences computed from ``results``: the
    gaps between encoders per evaluation (mean and per seed), the partial
    body's drop, the learning curve's ends and the fine-tuning gains.

    Args:
        results (dict): As :func:`tables` takes it.
        labels (dict): Encoder -> its name.

    Returns:
        list[str]: Markdown bullet lines (none where nothing is finished).
    """
    lines = []
    pairs = [(a, b) for a, b in (('pstl', 'random_init'),
                                 ('skeletonbt', 'random_init'),
                                 ('pstl', 'skeletonbt'))
             if a in results.get('linear_top1', {})
             and b in results.get('linear_top1', {})]
    evaluations = [('linear_top1', 'linear'),
                   ('linear_top1_standardised', 'standardised linear'),
                   ('knn_top1', f'kNN k={max(results["knn_ks"])}')]
    for a, b in pairs:
        parts = []
        for key, what in evaluations:
            if a in results[key] and b in results[key]:
                gaps = _gaps(results, key, a, b)
                parts.append(f'{what} {sum(gaps) / len(gaps):+.1f} points '
                             '(per seed ' + ' / '.join(
                                 f'{g:+.1f}' for g in gaps) + ')')
        seeds = len(_gaps(results, 'linear_top1', a, b))
        lines.append(f'- {labels[a]} against {labels[b]}, over the '
                     f'{n_seeds(seeds)} both have: '
                     + '; '.join(parts) + '.')
    for key, what in evaluations[:2]:
        spread = [(value['std'], n) for n, value in
                  (results.get(key) or {}).items()
                  if value.get('std') is not None and n in labels]
        if spread:
            std, name = max(spread)
            lines.append(f'- The widest spread over seeds ({what}): '
                         f'{labels[name]}, standard deviation {std:.1f} '
                         'points.')
    drop = results.get('partial_body_drop') or {}
    for name in (n for n in labels if n in drop):
        joints = drop[name].get('joints') or {}
        if len(joints) > 1:
            first, last = list(joints)[0], list(joints)[-1]
            lines.append(
                f'- Partial body, {labels[name]}: {joints[first]["mean"]:.1f}'
                f' % with {first} joints removed, '
                f'{joints[last]["mean"]:.1f} % with {last} removed (drop '
                'mode).')
    curve = results.get('learning_curve') or {}
    for name in (n for n in labels if n in curve):
        points = sorted(curve[name].items(), key=lambda kv: int(kv[0]))
        best = max(points, key=lambda kv: kv[1]['linear'])

        def at(point):
            return (f'{point[1]["linear"]:.1f} % (standardised '
                    f'{point[1]["linear_standardised"]:.1f} %) at epoch '
                    f'{point[0]}')
        lines.append(
            f'- Learning curve, {labels[name]} (one seed): linear '
            f'{at(points[0])}, {at(points[-1])}; best linear {at(best)}.')
    table = results.get('finetune') or {}
    for protocol, rows in table.items():
        if 'scratch' not in rows:
            continue
        share = results['finetune_protocols'][protocol]['label_fraction']
        gains = []
        for name in (n for n in labels if n in rows and n != 'scratch'):
            # Runs are in seed order: the seeds both have are the first.
            per_seed = [a - b for a, b in zip(rows[name]['runs'],
                                              rows['scratch']['runs'])]
            gains.append(f'{labels[name]} '
                         f'{sum(per_seed) / len(per_seed):+.1f} ('
                         + (f'{n_seeds(len(per_seed))}, '
                            if len(per_seed) < len(results['seeds']) else '')
                         + 'per seed ' + ' / '.join(
                             f'{g:+.1f}' for g in per_seed) + ')')
        if gains:
            lines.append(f'- Fine-tuning with {100 * share:g} % of the '
                         'labels, against training from scratch over the '
                         'seeds both have: ' + ', '.join(gains) + ' points.')
    return lines


def headline(results: dict, labels: Dict[str, str]) -> str:
    """One paragraph for the README: the run, and linear / standardised
    linear top-1 of each encoder (mean over its seeds; an encoder with
    fewer seeds than the run's says how many it has)."""
    names = [n for n in labels if n in results.get('linear_top1', {})]
    if not names:
        return ''
    seeds = len(results['seeds'])

    def numbers(name):
        count = len(results['linear_top1'][name]['runs'])
        std = _mean(results, 'linear_top1_standardised', name)
        return (f'{labels[name]} {_mean(results, "linear_top1", name):.1f} %'
                + (f' ({std:.1f} % standardised' if std is not None else ' (')
                + (f', {count} of {seeds} seeds)' if count < seeds else ')'))

    commit = results.get('commit', '?')
    commit = short_commit(commit) if isinstance(commit, str) else ', '.join(
        short_commit(c) for c in commit)
    return (f'After {results["pretrain_epochs"]} epochs of pretraining, '
            'linear top-1 on the test split: '
            + ', '.join(numbers(n) for n in names) + '; seeds '
            f'{", ".join(map(str, results["seeds"]))} (each number the mean '
            f'over its finished seeds), computed at '
            f'{commit} (`{results["command"]}`).')
