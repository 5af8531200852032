"""t-SNE maps: which samples, the embedding, the picture."""
import numpy as np
from PIL import Image

from pstl_mm.visualization import plot_tsne, sample_indices, tsne_points


def test_sample_indices_are_seeded_sorted_and_capped():
    first = sample_indices(100, 10, seed=3)
    assert len(first) == 10 and np.all(np.diff(first) > 0)
    assert np.array_equal(first, sample_indices(100, 10, seed=3))
    assert not np.array_equal(first, sample_indices(100, 10, seed=4))
    assert np.array_equal(sample_indices(5, 10, seed=0), np.arange(5))


def test_two_clusters_stay_apart_and_are_drawn(tmp_path):
    rng = np.random.default_rng(0)
    labels = np.repeat([0, 1], 15)
    feats = rng.normal(size=(30, 8)) + 20 * labels[:, None]
    points = tsne_points(feats.astype(np.float32), seed=0)
    assert points.shape == (30, 2)
    centres = [points[labels == k].mean(0) for k in (0, 1)]
    spread = max(points[labels == k].std(0).max() for k in (0, 1))
    assert np.linalg.norm(centres[0] - centres[1]) > 3 * spread
    path = tmp_path / 'map.png'
    assert plot_tsne(points, labels, 'title', str(path)) == (30, 2)
    with Image.open(path) as image:
        assert image.format == 'PNG' and image.size[0] > 300
