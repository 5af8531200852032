"""The evaluations of frozen features: linear probe, kNN, class variance."""
from typing import Dict, Sequence

import numpy as np
import torch

from ..evaluation import knn_top1, linear_probe_top1
from .protocol_settings import ProbeSettings


def class_variance_share(feats, labels) -> float:
    """The share of the features' variance that lies between the classes.

    Args:
        feats (np.ndarray): (N, C) features.
        labels (np.ndarray): (N,) labels.

    Returns:
        float: sum over samples of |class mean - mean|^2 over sum of
        |feature - mean|^2 (1: every class is one point; 0: the class
        means coincide).
    """
    feats = np.asarray(feats, np.float64)
    labels = np.asarray(labels)
    centre = feats.mean(0)
    total = ((feats - centre)**2).sum()
    between = 0.0
    for label in np.unique(labels):
        members = feats[labels == label]
        between += len(members) * ((members.mean(0) - centre)**2).sum()
    return float(between / total) if total > 0 else 0.0


def evaluate_features(feats: Dict[str, np.ndarray], probe: ProbeSettings,
                      ks: Sequence[int], temperature: float,
                      seed: int) -> dict:
    """Linear (raw, standardised), kNN and variance of frozen features.

    Args:
        feats (dict): ``train_features`` (N, C), ``train_labels`` (N,),
            ``test_features`` (N', C), ``test_labels`` (N',).
        probe (ProbeSettings): The linear classifier's settings.
        ks (Sequence[int]): kNN's k (those above N are left out).
        temperature (float): kNN's vote temperature.
        seed (int): Seeds the classifiers.

    Returns:
        dict: ``linear`` and ``linear_standardised`` top-1 in percent,
        ``knn`` (``k<k>`` -> top-1 in percent), ``feature_std`` (mean over
        channels of the training features' std), ``class_share``
        (:func:`class_variance_share` of the training features), the clip
        counts ``train_clips`` and ``test_clips``, and ``probe_state`` (the
        raw probe's ``fc`` weights, for the partial-body recognizer).
    """
    train = (feats['train_features'], feats['train_labels'])
    test = (feats['test_features'], feats['test_labels'])
    out = {}
    for key, standardise in (('linear', False),
                             ('linear_standardised', True)):
        result = linear_probe_top1(
            *train, *test, num_classes=probe.num_classes,
            epochs=probe.epochs, lr=probe.lr, batch_size=probe.batch_size,
            standardise=standardise, seed=seed, init_std=probe.init_std)
        out[key] = 100 * result['top1']
        if not standardise:
            out['probe_state'] = result['probe'].state_dict()
    ks = tuple(k for k in ks if k <= len(train[1]))
    knn = knn_top1(torch.from_numpy(train[0]), torch.from_numpy(train[1]),
                   torch.from_numpy(test[0]), torch.from_numpy(test[1]),
                   ks=ks, temperature=temperature)
    out['knn'] = {f'k{k}': 100 * v for k, v in knn.items()}
    out['feature_std'] = float(np.std(train[0], axis=0).mean())
    out['class_share'] = class_variance_share(*train)
    out['train_clips'] = int(len(train[1]))
    out['test_clips'] = int(len(test[1]))
    return out
