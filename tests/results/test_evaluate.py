"""The evaluations of frozen features on known inputs."""
import numpy as np
import pytest

from pstl_mm.results import ProbeSettings, class_variance_share
from pstl_mm.results.evaluate import evaluate_features


def test_class_variance_share_on_known_features():
    # Classes at x = -1 and x = +1, each spread by +-0.5: between 1, within
    # 0.25 per sample, so 1 / 1.25 of the variance lies between the classes;
    # paired the other way, the class means are -0.5 and 0.5: 1 / 5.
    feats = np.array([[-1.5, 0], [-0.5, 0], [0.5, 0], [1.5, 0]])
    labels = np.array([0, 0, 1, 1])
    assert class_variance_share(feats, labels) == pytest.approx(0.8)
    assert class_variance_share(feats, np.array([0, 1, 0, 1])) == \
        pytest.approx(0.2)
    assert class_variance_share(np.ones((3, 2)), np.arange(3)) == 0.0


def test_separated_classes_score_100():
    rng = np.random.default_rng(0)
    centres = 5 * np.eye(4, 6)
    labels = np.repeat(np.arange(4), 10)
    feats = dict(
        train_features=(centres[labels] + 0.1 * rng.normal(size=(40, 6))
                        ).astype(np.float32),
        train_labels=labels,
        test_features=(centres[labels] + 0.1 * rng.normal(size=(40, 6))
                       ).astype(np.float32),
        test_labels=labels)
    probe = ProbeSettings(num_classes=4, epochs=30, lr=0.05, batch_size=8,
                          init_std=0.01, train_split='a', test_split='b',
                          ann_file='x')
    out = evaluate_features(feats, probe, ks=(1, 20, 50), temperature=0.07,
                            seed=0)
    assert out['linear'] == 100.0 and out['linear_standardised'] == 100.0
    assert out['knn'] == {'k1': 100.0, 'k20': 100.0}  # k=50 > 40 clips
    assert out['class_share'] > 0.95
    assert out['train_clips'] == 40 and out['test_clips'] == 40
    assert out['probe_state']['fc.weight'].shape == (4, 6)
