"""kNN evaluation: the weighted-vote scoring on hand-made features."""
import math

import numpy as np
import pytest
import torch

from pstl_mm.evaluation.knn import knn_top1


def _at(*angles):
    """Unit 2-D features at ``angles`` (radians), (N, 2)."""
    a = torch.tensor(angles, dtype=torch.float64)
    return torch.stack([a.cos(), a.sin()], dim=1).float()


def _labels(*values):
    return torch.tensor(values, dtype=torch.long)


def test_clusters():
    # Three tight clusters at 0, 120 and 240 degrees, three samples each.
    third = 2 * math.pi / 3
    train = _at(*[c * third + d for c in range(3) for d in (-0.1, 0, 0.1)])
    train_labels = _labels(0, 0, 0, 1, 1, 1, 2, 2, 2)
    test = _at(0.05, third - 0.05, 2 * third, 2 * third + 0.02)
    # The last test sample sits in cluster 2 but is labelled 1: one miss.
    result = knn_top1(train, train_labels, test, _labels(0, 1, 2, 1),
                      ks=(1, 3, 9))
    assert result == {1: 0.75, 3: 0.75, 9: 0.75}


def test_k1_and_k20_disagree():
    # One class-0 sample on the test direction, twenty class-1 samples
    # 0.3 rad away: the nearest is class 0, but 19 * exp(cos 0.3 / 0.07)
    # > exp(1 / 0.07), so twenty neighbours vote class 1.
    train = _at(0.0, *([0.3] * 20))
    train_labels = _labels(0, *([1] * 20))
    test = _at(0.0)
    assert knn_top1(train, train_labels, test, _labels(0)) == {1: 1.0, 20: 0.0}
    assert knn_top1(train, train_labels, test, _labels(1)) == {1: 0.0, 20: 1.0}


def test_votes_are_weighted_not_counted():
    # Two class-1 neighbours 1 rad away outvote nothing: a majority vote
    # of k=3 would say 1, exp(1/T) > 2 exp(cos(1)/T) says 0.
    train = _at(0.0, 1.0, -1.0)
    train_labels = _labels(0, 1, 1)
    assert knn_top1(train, train_labels, _at(0.0), _labels(0),
                    ks=(3, )) == {3: 1.0}
    # With a temperature of 100 the weights are nearly equal: majority.
    assert knn_top1(train, train_labels, _at(0.0), _labels(1), ks=(3, ),
                    temperature=100.0) == {3: 1.0}


def test_equal_votes_go_to_the_smallest_label():
    # The test feature is as close to a class-2 as to a class-1 sample.
    train = _at(0.5, -0.5)
    train_labels = _labels(2, 1)
    test = _at(0.0)
    assert knn_top1(train, train_labels, test, _labels(1),
                    ks=(2, )) == {2: 1.0}
    assert knn_top1(train, train_labels, test, _labels(2),
                    ks=(2, )) == {2: 0.0}


def test_features_are_normalised():
    train = _at(0.0, 1.5) * torch.tensor([[100.0], [0.01]])
    # Unnormalised, the dot product would pick the long class-0 feature.
    assert knn_top1(train, _labels(0, 1), _at(1.4) * 3, _labels(1),
                    ks=(1, )) == {1: 1.0}


def _reference(train, train_labels, test, test_labels, k, temperature):
    """The voting rule written out sample by sample, in float64."""
    train = train / np.linalg.norm(train, axis=1, keepdims=True)
    test = test / np.linalg.norm(test, axis=1, keepdims=True)
    correct = 0
    for feat, label in zip(test, test_labels):
        sims = train @ feat
        order = np.argsort(-sims, kind='stable')[:k]
        votes = np.zeros(train_labels.max() + 1)
        for j in order:
            votes[train_labels[j]] += np.exp(sims[j] / temperature)
        correct += int(np.argmax(votes) == label)
    return correct / len(test)


@pytest.mark.parametrize('chunk_size', [1, 7, 1000])
def test_chunks_give_the_rule_written_out(chunk_size):
    rng = np.random.default_rng(0)
    centres = rng.normal(size=(5, 8))
    train_labels = rng.integers(0, 5, size=60)
    test_labels = rng.integers(0, 5, size=23)
    train = centres[train_labels] + rng.normal(size=(60, 8))
    test = centres[test_labels] + rng.normal(size=(23, 8))
    result = knn_top1(torch.from_numpy(train), torch.from_numpy(train_labels),
                      torch.from_numpy(test), torch.from_numpy(test_labels),
                      ks=(1, 5, 20), temperature=0.5, chunk_size=chunk_size)
    expected = {
        k: _reference(train, train_labels, test, test_labels, k, 0.5)
        for k in (1, 5, 20)
    }
    assert result == pytest.approx(expected, abs=1e-12)
    # Not a trivial set: the ks score differently.
    assert len(set(expected.values())) == 3


def test_errors_name_the_problem():
    train, test = _at(0.0, 1.0), _at(0.5)
    with pytest.raises(ValueError, match='k=3 is larger than the memory set '
                       r'\(2 samples\)'):
        knn_top1(train, _labels(0, 1), test, _labels(0), ks=(1, 3))
    with pytest.raises(ValueError, match='1 of 2 memory samples have no '
                       'label'):
        knn_top1(train, _labels(0, -1), test, _labels(0), ks=(1, ))
    with pytest.raises(ValueError, match='test labels must have shape'):
        knn_top1(train, _labels(0, 1), test, _labels(0, 1), ks=(1, ))
    with pytest.raises(ValueError, match='ks must be distinct ints'):
        knn_top1(train, _labels(0, 1), test, _labels(0), ks=(1, 1))
    with pytest.raises(ValueError, match='temperature must be > 0'):
        knn_top1(train, _labels(0, 1), test, _labels(0), ks=(1, ),
                 temperature=0)
    with pytest.raises(ValueError, match=r'\(N_train, C\) and \(N_test, C\)'):
        knn_top1(train, _labels(0, 1), torch.ones(1, 3), _labels(0), ks=(1, ))
