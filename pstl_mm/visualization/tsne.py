"""A t-SNE map of features, coloured by class."""
from typing import Optional, Tuple

import matplotlib

matplotlib.use('Agg')

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


def sample_indices(count: int, max_samples: int, seed: int) -> np.ndarray:
    """At most ``max_samples`` of ``count`` indices, drawn without
    replacement by a generator of ``seed``, ascending."""
    rng = np.random.default_rng(seed)
    size = min(max_samples, count)
    return np.sort(rng.choice(count, size=size, replace=False))


def tsne_points(feats: np.ndarray, perplexity: float = 30.0,
                seed: int = 0) -> np.ndarray:
    """(N, 2) t-SNE embedding of (N, C) features (PCA start, seeded).

    The perplexity is capped at ``(N - 1) / 3`` (at least 2) so that small
    sets embed.
    """
    from sklearn.manifold import TSNE
    perplexity = min(perplexity, max(2.0, (len(feats) - 1) / 3))
    return TSNE(n_components=2, perplexity=perplexity, init='pca',
                random_state=seed).fit_transform(feats)


def plot_tsne(points: np.ndarray, labels: np.ndarray, title: str,
              path: str) -> Tuple[int, int]:
    """Write a PNG of the 2-D points coloured by class.

    Args:
        points (np.ndarray): (N, 2) embedding.
        labels (np.ndarray): (N,) classes (a legend up to 20 of them).
        title (str): The figure's title.
        path (str): The PNG written.

    Returns:
        tuple[int, int]: Points and classes drawn.
    """
    fig, ax = plt.subplots(figsize=(7, 6), dpi=120)
    classes = np.unique(labels)
    cmap = plt.get_cmap('tab20' if len(classes) <= 20 else 'turbo')
    for k, label in enumerate(classes):
        sel = labels == label
        ax.scatter(points[sel, 0], points[sel, 1], s=8,
                   color=cmap(k / max(len(classes) - 1, 1)),
                   label=str(label))
    if len(classes) <= 20:
        ax.legend(title='class', fontsize=7, markerscale=2, loc='best')
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(title, fontsize=9)
    fig.savefig(path, bbox_inches='tight')
    plt.close(fig)
    return len(points), len(classes)


def encoder_features(config: str, checkpoint: str,
                     ann_file: Optional[str] = None,
                     split: Optional[str] = None, max_samples: int = 2000,
                     seed: int = 0) -> Tuple[np.ndarray, np.ndarray]:
    """Features and labels of up to ``max_samples`` clips of a config's test
    (else training) split, from a checkpoint's encoder.

    Returns:
        tuple: (N, C) features and (N,) labels.
    """
    from ..apis import build_clip_dataset, dataset_features, init_encoder
    encoder = init_encoder(config, checkpoint)
    dataset = build_clip_dataset(config, ann_file, split)
    out = dataset_features(encoder, dataset,
                           sample_indices(len(dataset), max_samples, seed))
    return out['features'], out['labels']
