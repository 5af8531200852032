"""The linear probe on frozen features (pstl_mm.evaluation.linear_probe):
it learns what is separable, standardising makes it blind to the features'
scale, it is seeded without the global RNG, and its classifier is the
linear protocol's GCNHead on the encoder's pooled features."""
import numpy as np
import pytest
import torch
from mmengine.registry import init_default_scope

from pstl_mm.evaluation import (LinearProbe, linear_probe_top1, probe_top1,
                                train_linear_probe)


def clusters(seed, per_class=60, num_classes=3, dim=8, spread=0.3):
    """Gaussian clusters around distinct centres: (N, dim), (N,)."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(num_classes, dim)) * 2
    labels = np.repeat(np.arange(num_classes), per_class)
    feats = centres[labels] + spread * rng.normal(size=(len(labels), dim))
    return feats.astype(np.float32), labels


@pytest.mark.parametrize('standardise', [False, True])
def test_separable_clusters_are_learned(standardise):
    train, test = clusters(0), clusters(0, per_class=20)
    # Same centres (same seed), fresh samples for the test set.
    test = (test[0] + 0.01, test[1])
    result = linear_probe_top1(*train, *test, num_classes=3,
                               standardise=standardise, epochs=50)
    assert result['top1'] >= 0.95
    assert isinstance(result['probe'], LinearProbe)


def test_random_labels_stay_near_chance():
    feats, _ = clusters(1, per_class=100)
    labels = np.random.default_rng(2).integers(0, 3, size=len(feats))
    test_feats, _ = clusters(1, per_class=100)
    test_labels = np.random.default_rng(3).integers(0, 3, size=len(feats))
    top1 = linear_probe_top1(feats, labels, test_feats, test_labels, 3,
                             epochs=30)['top1']
    assert 0.2 < top1 < 0.5


def test_standardising_removes_the_scale_of_the_features():
    """Tiny features (a random-init encoder's std is about 1e-4): the raw
    probe cannot grow its weights enough in 150 epochs and stays near
    chance, the standardised one predicts as on features of scale 1."""
    train, test = clusters(4), clusters(4, per_class=20)
    tiny = 1e-4
    plain = linear_probe_top1(*train, *test, 3, standardise=True)
    small = linear_probe_top1(train[0] * tiny, train[1], test[0] * tiny,
                              test[1], 3, standardise=True)
    raw_small = linear_probe_top1(train[0] * tiny, train[1], test[0] * tiny,
                                  test[1], 3, standardise=False)
    assert plain['top1'] >= 0.95
    assert abs(small['top1'] - plain['top1']) <= 0.02
    assert raw_small['top1'] <= plain['top1'] - 0.3


def test_test_statistics_are_the_whole_training_set():
    feats, labels = clusters(5)
    probe = train_linear_probe(feats, labels, 3, epochs=2, standardise=True)
    assert not probe.training
    torch.testing.assert_close(probe.norm.running_mean,
                               torch.from_numpy(feats.mean(0)))
    torch.testing.assert_close(probe.norm.running_var,
                               torch.from_numpy(feats.var(0, ddof=1)))
    x = torch.from_numpy(feats[:4])
    expected = probe.fc((x - x.new_tensor(feats.mean(0))) /
                        (x.new_tensor(feats.var(0, ddof=1)) + 1e-10).sqrt())
    torch.testing.assert_close(probe(x), expected, rtol=1e-4, atol=1e-4)


def test_seeded_without_the_global_rng():
    feats, labels = clusters(6)
    state = torch.get_rng_state()
    first = train_linear_probe(feats, labels, 3, epochs=3, seed=7)
    assert torch.equal(torch.get_rng_state(), state)
    again = train_linear_probe(feats, labels, 3, epochs=3, seed=7)
    other = train_linear_probe(feats, labels, 3, epochs=3, seed=8)
    assert torch.equal(first.fc.weight, again.fc.weight)
    assert not torch.equal(first.fc.weight, other.fc.weight)


def test_lr_follows_the_protocols_cosine(monkeypatch):
    """Adam at lr * (1 + cos(pi * e / E)) / 2 in epoch e, no weight decay."""
    seen = []
    step = torch.optim.Adam.step

    def record(self, *args, **kwargs):
        group = self.param_groups[0]
        seen.append((group['lr'], group['weight_decay']))
        return step(self, *args, **kwargs)

    monkeypatch.setattr(torch.optim.Adam, 'step', record)
    feats, labels = clusters(7, per_class=10)  # 30 samples, batch 16: 2 steps
    train_linear_probe(feats, labels, 3, epochs=4, lr=0.01, batch_size=16)
    expected = [0.01 * (1 + np.cos(np.pi * e / 4)) / 2 for e in range(4)]
    assert [lr for lr, _ in seen] == pytest.approx(
        [lr for lr in expected for _ in range(2)])
    assert {wd for _, wd in seen} == {0.0}


def test_bad_inputs_name_the_sample():
    feats, labels = clusters(8)
    feats[5, 2] = np.nan
    with pytest.raises(ValueError, match='training sample 5 has a non-finite'):
        train_linear_probe(feats, labels, 3)
    feats, labels = clusters(8)
    labels[9] = 3
    with pytest.raises(ValueError, match='training sample 9 has label 3'):
        train_linear_probe(feats, labels, 3)
    with pytest.raises(ValueError, match=r'\(N, C\)'):
        probe_top1(LinearProbe(8, 3), feats[0], labels[:1])


def test_the_probe_is_the_protocols_head_on_pooled_features():
    """GCNHead(encoder(x)) with the probe's weights equals the probe on the
    pooled features: a probe trained on features, put into the linear
    protocol's recognizer (as pstl_mm.results does for the partial
    body evaluation), predicts what it was tested with."""
    from mmaction.registry import MODELS
    init_default_scope('mmaction')
    torch.manual_seed(0)
    encoder = MODELS.build(
        dict(type='MaskableSTGCN', in_channels=3, hidden_channels=16,
             out_channels=256, layout='kinect_v1', num_person=1)).eval()
    head = MODELS.build(dict(type='GCNHead', num_classes=10, in_channels=256,
                             dropout=0.0)).eval()
    probe = LinearProbe(256, 10)
    head.fc.load_state_dict(probe.fc.state_dict())
    x = torch.randn(3, 1, 12, 20, 3)
    with torch.no_grad():
        expected = head(encoder(x))
        pooled = encoder.forward_pooled(x)
    torch.testing.assert_close(probe(pooled), expected,
                               rtol=1e-5, atol=1e-5)


def test_the_classifier_starts_as_gcn_heads():
    """With lr 0 the probe keeps its initialisation: GCNHead's (normal
    weights of std 0.01, zero bias), drawn from the seed alone."""
    feats, labels = clusters(9, per_class=200, dim=64)
    probe = train_linear_probe(feats, labels, 3, epochs=1, lr=0.0, seed=5)
    weight = probe.fc.weight.detach()
    assert weight.shape == (3, 64)
    assert torch.equal(probe.fc.bias.detach(), torch.zeros(3))
    assert abs(float(weight.std()) - 0.01) < 0.002
    again = train_linear_probe(feats, labels, 3, epochs=1, lr=0.0, seed=5)
    assert torch.equal(again.fc.weight, probe.fc.weight)
    wide = train_linear_probe(feats, labels, 3, epochs=1, lr=0.0, seed=5,
                              init_std=0.1)
    torch.testing.assert_close(wide.fc.weight, 10 * weight)
