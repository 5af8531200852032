"""The results run's pictures."""
import os
import os.path as osp
from typing import Dict


def plot_learning_curve(results: dict, labels: Dict[str, str],
                        path: str) -> None:
    """Top-1 against pretraining epoch, one line per method and evaluation
    (linear probe on standardised features: solid; on raw features:
    dotted; kNN with the largest k: dashed), and random init's standardised
    linear probe of the same seed as a grey line, when the results have it.

    Args:
        results (dict): With ``learning_curve`` (method -> epoch -> numbers,
            as :class:`~pstl_mm.results.learning_curve.LearningCurve`
            gathers them), ``knn_ks`` and ``seeds``; optionally
            ``linear_top1_standardised`` with a ``random_init`` summary.
        labels (dict): Method -> its name.
        path (str): The PNG written.
    """
    # The object-oriented API: no pyplot state, no global backend switch.
    from matplotlib.figure import Figure
    curve = results['learning_curve']
    k = max(results['knn_ks'])
    fig = Figure(figsize=(7.5, 4.8), layout='constrained')
    ax = fig.subplots()
    for i, name in enumerate(n for n in labels if n in curve):
        epochs = sorted(curve[name], key=int)
        x = [int(e) for e in epochs]
        color = f'C{i}'
        ax.plot(x, [curve[name][e]['linear_standardised'] for e in epochs],
                marker='o', color=color,
                label=f'{labels[name]}, linear (standardised)')
        ax.plot(x, [curve[name][e]['linear'] for e in epochs],
                marker='^', linestyle=':', color=color,
                label=f'{labels[name]}, linear (raw)')
        ax.plot(x, [curve[name][e]['knn'][f'k{k}'] for e in epochs],
                marker='s', linestyle='--', color=color,
                label=f'{labels[name]}, kNN k={k}')
    random_init = (results.get('linear_top1_standardised') or {}).get(
        'random_init')
    if random_init and len(random_init['runs']) == len(results['seeds']):
        ax.axhline(random_init['runs'][0], color='0.5', linewidth=1,
                   label=f'{labels.get("random_init", "random init")}, '
                   'linear (standardised)')
    ax.set_xlabel('pretraining epoch')
    ax.set_ylabel('top-1 (%)')
    ax.set_title(f'Learning curve (one seed: {results["seeds"][0]})')
    ax.grid(alpha=0.3)
    ax.legend(fontsize='small', loc='lower right')
    os.makedirs(osp.dirname(path) or '.', exist_ok=True)
    fig.savefig(path, dpi=120)
