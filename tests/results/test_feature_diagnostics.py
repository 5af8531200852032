"""The feature diagnostics: spectrum, split shift, whitening, probe variants
and tools/feature_diagnostics.py on a results work dir."""
import json
import os.path as osp
import subprocess
import sys

import numpy as np
import pytest

from pstl_mm.evaluation.linear_probe import (linear_probe_top1, probe_top1,
                                             train_linear_probe)
from pstl_mm.results.feature_diagnostics import (probe_variants, spectrum,
                                                  split_shift, whiten)
from pstl_mm.results.protocol_settings import ProbeSettings

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def _probe(epochs=150):
    return ProbeSettings(num_classes=4, epochs=epochs, lr=0.01,
                         batch_size=128, init_std=0.01, train_split='train',
                         test_split='test', ann_file='x.pkl')


def _ill_conditioned(n, seed, nuisance_scale=300.0):
    """(n, 16) features of 4 classes: the classes lie along a direction of
    variance about 1, a class-blind direction has variance
    ``nuisance_scale``**2, two channels never change."""
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % 4
    feats = rng.normal(0, 0.3, (n, 16))
    feats[:, 0] += labels - 1.5
    feats[:, 1] = rng.normal(0, nuisance_scale, n)
    feats[:, 1:4] += feats[:, 1:2]  # one nuisance direction, 3 channels
    feats[:, 14:] = 5.0  # dead channels
    return feats.astype(np.float32), labels


def test_spectrum_of_isotropic_and_rank_one_features():
    rng = np.random.default_rng(0)
    iso = rng.normal(size=(20000, 8))
    labels = np.arange(20000) % 4
    stats = spectrum(iso, labels)
    assert stats['participation_ratio'] == pytest.approx(8, rel=0.01)
    assert stats['top1_share'] == pytest.approx(1 / 8, rel=0.05)
    assert stats['dead_channels'] == 0
    assert stats['pc1_class_share'] < 0.01  # labels unrelated to features
    line = np.outer(labels - 1.5, np.ones(8)) + 3.0  # one direction, classes
    stats = spectrum(line + 1e-9 * iso, labels)
    assert stats['participation_ratio'] == pytest.approx(1, abs=1e-6)
    assert stats['top1_share'] == pytest.approx(1, abs=1e-6)
    assert stats['top2_share'] == pytest.approx(1, abs=1e-6)
    assert stats['pc1_class_share'] == pytest.approx(1, abs=1e-6)
    # |mean| = 3 sqrt(8); total variance 8 var(labels) (unbiased, as cov).
    assert stats['mean_to_spread'] == pytest.approx(
        3 / np.sqrt(np.var(labels, ddof=1)), rel=1e-6)
    feats, labels = _ill_conditioned(400, 1)
    assert spectrum(feats, labels)['dead_channels'] == 2


def test_split_shift_is_the_mean_difference_over_the_spread():
    rng = np.random.default_rng(0)
    train = rng.normal(size=(5000, 4))
    assert split_shift(train, train) == 0.0
    test = train + np.array([2.0, 0, 0, 0])
    expected = 2.0 / np.sqrt(train.var(0).sum())
    assert split_shift(train, test) == pytest.approx(expected, rel=1e-12)


def test_whitening_gives_unit_covariance_and_spares_dead_channels():
    feats, _ = _ill_conditioned(600, 2, nuisance_scale=3.0)
    train, test = whiten(feats, feats[:50])
    cov = np.cov(train.astype(np.float64).T)  # in the eigenvectors' basis
    live = np.diag(cov) > 0.5
    assert live.sum() == 14  # the two dead channels' directions stay flat
    np.testing.assert_allclose(cov[np.ix_(live, live)], np.eye(14),
                               atol=1e-3)
    assert np.abs(train).max() < 100  # nothing blown up
    np.testing.assert_allclose(test, train[:50], atol=1e-4)


def _offset(n, seed, offset):
    """(n, 16) features of 4 well separated classes along channel 0, all
    but two channels offset by ``offset``."""
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % 4
    feats = rng.normal(0, 0.3, (n, 16))
    feats[:, 0] += 2 * (labels - 1.5)
    feats[:, :14] += offset
    return feats.astype(np.float32), labels


def test_a_large_mean_defeats_the_raw_probe_not_the_centred_one():
    train, y_train = _offset(512, 3, 100.0)
    test, y_test = _offset(256, 4, 100.0)
    feats = dict(train_features=train, train_labels=y_train,
                 test_features=test, test_labels=y_test)
    probes = probe_variants(feats, _probe(), seed=0)
    assert set(probes) == {'raw', 'centred', 'standardised', 'whitened'}
    # The protocol's classifier cannot fit features 100 spreads away from
    # 0 in its schedule; the same features centred it fits.
    assert probes['raw']['train'] < 60
    assert probes['centred']['train'] > 95 and probes['centred']['test'] > 90
    # Each version is the protocol's classifier on those features.
    a, b = whiten(train, test)
    whitened = train_linear_probe(a, y_train, 4, epochs=150, lr=0.01,
                                  batch_size=128, seed=0, init_std=0.01)
    assert probes['whitened'] == dict(
        train=100 * probe_top1(whitened, a, y_train),
        test=100 * probe_top1(whitened, b, y_test))
    standardised = linear_probe_top1(train, y_train, test, y_test, 4,
                                     standardise=True, seed=0)
    assert probes['standardised']['test'] == 100 * standardised['top1']
    near = probe_variants(dict(feats, train_features=train - 100.0,
                               test_features=test - 100.0), _probe(), 0)
    assert near['raw']['train'] > 95


def test_the_tool_writes_json_and_table(tmp_path):
    work = tmp_path / 'work'
    for run, seed in (('pstl_seed0', 5), ('random_init_seed1', 6)):
        train, y_train = _ill_conditioned(96, seed, nuisance_scale=3.0)
        test, y_test = _ill_conditioned(48, seed + 10, nuisance_scale=3.0)
        (work / run).mkdir(parents=True)
        np.savez(work / run / 'features.npz', train_features=train,
                 train_labels=y_train, test_features=test, test_labels=y_test)
    (work / 'pstl_seed0' / 'features.json').write_text(
        json.dumps(dict(fingerprint='abc', commit='c0', result={})))
    (work / 'notes').mkdir()  # not a run
    out = tmp_path / 'diag.json'
    md = tmp_path / 'results.md'
    md.write_text('intro\n<!-- nw_ucla_xview:diagnostics:begin -->\nold\n'
                  '<!-- nw_ucla_xview:diagnostics:end -->\nafter\n')
    proc = subprocess.run(
        [sys.executable, 'tools/feature_diagnostics.py', '--dataset',
         'nw_ucla_xview', '--work-dir', str(work), '--json', str(out),
         '--markdown', str(md)], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(out.read_text())
    assert list(result['runs']) == ['pstl_seed0', 'random_init_seed1']
    assert result['probe']['epochs'] == 150  # the linear config's
    assert result['probe']['num_classes'] == 10
    pstl = result['runs']['pstl_seed0']
    assert (pstl['seed'], pstl['features_fingerprint']) == (0, 'abc')
    assert result['runs']['random_init_seed1']['seed'] == 1
    assert result['runs']['random_init_seed1']['features_fingerprint'] is None
    assert pstl['dead_channels'] == 2
    text = md.read_text()
    assert 'old' not in text and text.startswith('intro\n')
    assert text.rstrip().endswith('after')
    row = next(line for line in text.splitlines()
               if line.startswith('| pstl_seed0 |'))
    raw = pstl['probes']['raw']
    assert f'{raw["train"]:.1f} / {raw["test"]:.1f}' in row


def test_the_tool_names_a_missing_work_dir(tmp_path):
    proc = subprocess.run(
        [sys.executable, 'tools/feature_diagnostics.py', '--dataset',
         'nw_ucla_xview', '--work-dir', str(tmp_path / 'none'), '--json',
         str(tmp_path / 'd.json')], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 2
    assert 'none' in proc.stderr and 'features.npz' in proc.stderr
    assert not (tmp_path / 'd.json').exists()
