"""Why a frozen encoder's linear top-1 is what it is: the shape of its
features' spectrum, their shift between the splits, and the linear
classifier trained on them raw, centred, standardised and whitened, with its
training-set accuracy beside its test accuracy.

A low raw linear top-1 can mean features without the classes in them, or a
classifier that the protocol's schedule cannot fit to features whose
variance lies almost all in one direction. The training-set accuracy tells
the two apart (a classifier that fits the training set badly is an
optimisation problem), and the whitened probe (the features decorrelated and
scaled to unit variance in every direction) shows what a linear classifier
can read from them once their conditioning is taken away.
"""
from typing import Dict

import numpy as np

from ..evaluation.linear_probe import probe_top1, train_linear_probe
from .protocol_settings import ProbeSettings

#: Whitening floors every eigenvalue at this fraction of the largest, so
#: that directions without variance (dead channels) are not blown up.
WHITEN_FLOOR = 1e-6

#: A channel is dead when its standard deviation is below this fraction of
#: the largest channel's.
DEAD_FRACTION = 1e-6


def spectrum(train: np.ndarray, labels: np.ndarray) -> Dict[str, float]:
    """How the training features' variance is spread.

    Args:
        train (np.ndarray): (N, C) features.
        labels (np.ndarray): (N,) labels.

    Returns:
        dict: ``participation_ratio`` ((sum of the covariance's eigenvalues)
        squared over the sum of their squares: C for isotropic features, 1
        when one direction holds all variance); ``top1_share`` and
        ``top2_share`` (the largest eigenvalue's and the two largest ones'
        share of the total variance); ``dead_channels`` (channels of
        standard deviation below :data:`DEAD_FRACTION` of the largest);
        ``mean_to_spread`` (|mean| over the root of the total variance);
        ``pc1_class_share`` (the share of the first principal component's
        variance that lies between the classes).
    """
    train = np.asarray(train, np.float64)
    centred = train - train.mean(0)
    eig = np.clip(np.linalg.eigvalsh(np.cov(centred.T))[::-1], 0, None)
    total = eig.sum()
    std = train.std(0)
    direction = np.linalg.svd(centred, full_matrices=False)[2][0]
    pc1 = centred @ direction
    between = sum(
        (labels == c).sum() * pc1[labels == c].mean()**2
        for c in np.unique(labels))
    return dict(
        participation_ratio=float(total**2 / (eig**2).sum()),
        top1_share=float(eig[0] / total),
        top2_share=float(eig[:2].sum() / total),
        dead_channels=int((std < DEAD_FRACTION * std.max()).sum()),
        mean_to_spread=float(np.linalg.norm(train.mean(0)) / np.sqrt(total)),
        pc1_class_share=float(between / (pc1**2).sum()))


def split_shift(train: np.ndarray, test: np.ndarray) -> float:
    """|test mean - training mean| over the root of the training features'
    total variance (0: the splits' features are centred alike)."""
    train = np.asarray(train, np.float64)
    test = np.asarray(test, np.float64)
    return float(
        np.linalg.norm(test.mean(0) - train.mean(0)) /
        np.sqrt(train.var(0).sum()))


def whiten(train: np.ndarray, test: np.ndarray):
    """Both splits centred on the training mean and rotated and scaled by
    the training covariance's eigenvectors and eigenvalues (floored at
    :data:`WHITEN_FLOOR` of the largest): unit variance in every direction
    the training features vary in.

    Returns:
        tuple: (N, C) and (N', C) float32 arrays.
    """
    train = np.asarray(train, np.float64)
    test = np.asarray(test, np.float64)
    mean = train.mean(0)
    eig, vec = np.linalg.eigh(np.cov((train - mean).T))
    eig = np.clip(eig, 0, None)
    scale = vec / np.sqrt(eig + WHITEN_FLOOR * eig.max())
    return (((train - mean) @ scale).astype(np.float32),
            ((test - mean) @ scale).astype(np.float32))


def probe_variants(feats: Dict[str, np.ndarray], probe: ProbeSettings,
                   seed: int) -> Dict[str, Dict[str, float]]:
    """The linear protocol's classifier on four versions of the features.

    Args:
        feats (dict): ``train_features`` (N, C), ``train_labels`` (N,),
            ``test_features`` (N', C), ``test_labels`` (N',).
        probe (ProbeSettings): The classifier's lr, batch, epochs, classes
            and initialisation (the linear config's).
        seed (int): Seeds the classifier, as in the results run.

    Returns:
        dict: for ``raw`` (the protocol), ``centred`` (training mean
        subtracted), ``standardised`` (the results table's standardised
        probe) and ``whitened`` (:func:`whiten`): ``train`` and ``test``
        top-1 in percent.
    """
    train, test = feats['train_features'], feats['test_features']
    y_train, y_test = feats['train_labels'], feats['test_labels']
    mean = np.asarray(train, np.float64).mean(0)
    centred = ((train - mean).astype(np.float32),
               (test - mean).astype(np.float32))
    versions = dict(
        raw=((train, test), False), centred=(centred, False),
        standardised=((train, test), True),
        whitened=(whiten(train, test), False))
    out = {}
    for name, ((a, b), standardise) in versions.items():
        classifier = train_linear_probe(
            a, y_train, probe.num_classes, epochs=probe.epochs, lr=probe.lr,
            batch_size=probe.batch_size, standardise=standardise, seed=seed,
            init_std=probe.init_std)
        out[name] = dict(train=100 * probe_top1(classifier, a, y_train),
                         test=100 * probe_top1(classifier, b, y_test))
    return out


def diagnose(feats: Dict[str, np.ndarray], probe: ProbeSettings,
             seed: int) -> dict:
    """:func:`spectrum`, :func:`split_shift` and :func:`probe_variants` of
    one encoder's features (the keys of :func:`probe_variants`)."""
    return dict(
        spectrum(feats['train_features'], feats['train_labels']),
        split_shift=split_shift(feats['train_features'],
                                feats['test_features']),
        probes=probe_variants(feats, probe, seed))


def table(runs: dict) -> str:
    """The Markdown table of run name -> :func:`diagnose`'s result."""
    header = ('Run', 'Participation ratio', 'First direction\'s share',
              'Its class share', 'Dead channels', '\\|mean\\| / spread',
              'Test-mean shift', 'Raw (train / test)',
              'Centred (train / test)', 'Standardised (train / test)',
              'Whitened (train / test)')
    lines = ['| ' + ' | '.join(header) + ' |', '|---' * len(header) + '|']
    for run, d in runs.items():
        probes = ' | '.join(
            f'{d["probes"][k]["train"]:.1f} / {d["probes"][k]["test"]:.1f}'
            for k in ('raw', 'centred', 'standardised', 'whitened'))
        lines.append(
            f'| {run} | {d["participation_ratio"]:.2f} | '
            f'{d["top1_share"]:.3f} | {d["pc1_class_share"]:.2f} | '
            f'{d["dead_channels"]} | {d["mean_to_spread"]:.3g} | '
            f'{d["split_shift"]:.3f} | {probes} |')
    return '\n'.join(lines)


def report(result: dict) -> str:
    """A caption (commit, classifier) and :func:`table` of the JSON that
    ``tools/feature_diagnostics.py`` writes."""
    probe = result['probe']
    caption = (
        f'Computed at {result["commit"]} by `tools/feature_diagnostics.py` '
        'from the features of the runs above (their fingerprints are in its '
        'JSON); '
        'the spectrum is the training features\', the shift the test '
        'split\'s mean from the training split\'s over the training '
        f'features\' spread. Linear classifier of the linear config (Adam '
        f'lr {probe["lr"]:g}, batch {probe["batch_size"]}, {probe["epochs"]} '
        'epochs, the run\'s seed): top-1 in % on the training and the test '
        'split.')
    return caption + '\n\n' + table(result['runs'])
