"""The kNN evaluation as an MMEngine metric."""
import json
import os
import os.path as osp
from typing import Dict, List, Optional, Sequence

import torch
from mmaction.registry import METRICS
from mmengine.logging import print_log

from .knn import TEMPERATURE, check_ks, knn_top1
from .report_metric import ReportMetric


def _label(sample) -> int:
    """The int label of a data sample (as dict), -1 when it has none."""
    label = sample.get('gt_label')
    if label is None:
        return -1
    return int(torch.as_tensor(label).reshape(-1)[0])


def features_and_labels(data_samples: Sequence) -> List[tuple]:
    """``(features, label)`` of every data sample, features on the CPU.

    Args:
        data_samples (list[dict]): Model outputs as dicts, with
            ``pooled_features`` (C,) and ``gt_label`` (1,).

    Returns:
        list[tuple[torch.Tensor, int]]: (C,) float features and the label
        (-1 where the sample has none).

    Raises:
        ValueError: A sample has no ``pooled_features`` (the model is not a
            feature extractor).
    """
    out = []
    for sample in data_samples:
        feats = sample.get('pooled_features')
        if feats is None:
            raise ValueError(
                'KNNMetric: a data sample has no "pooled_features"; test a '
                "model that stores them, e.g. model = dict("
                "type='FeatureExtractor', backbone=...)")
        out.append((feats.detach().float().cpu(), _label(sample)))
    return out


@METRICS.register_module()
class KNNMetric(ReportMetric):
    """Weighted kNN top-1 of the test features against a memory set.

    The memory set (features and labels of the training split) is given by
    :class:`~pstl_mm.engine.KNNTestLoop` through :meth:`set_memory`; the
    test features come from the model's outputs (``pooled_features`` and
    ``gt_label`` of every data sample, see
    :class:`~pstl_mm.models.FeatureExtractor`). Scoring is
    :func:`~pstl_mm.evaluation.knn.knn_top1`. The metrics, and the sizes of
    both sets, are written to ``knn.json`` in ``out_dir`` (else the run's
    log dir the loop sets).

    Metrics (fractions, as MMAction2's ``AccMetric``): ``knn/top1_k{k}``
    for every ``k`` of ``ks``.

    Args:
        ks (Sequence[int]): Neighbour counts. Defaults to ``(1, 20)``.
        temperature (float): Temperature of the vote weights
            ``exp(s / temperature)``. Defaults to 0.07.
        chunk_size (int): Test features per similarity block; memory use
            is ``chunk_size x N_memory`` floats. Defaults to 256.
        out_dir (str, optional): Folder of ``knn.json``.
        collect_device (str): ``'cpu'`` or ``'gpu'``. Defaults to ``'cpu'``.
        prefix (str, optional): Prefix of the metric names. Defaults to
            ``'knn'``.
        collect_dir (str, optional): See :class:`~mmengine.evaluator.
            BaseMetric`.
    """

    default_prefix: Optional[str] = 'knn'

    def __init__(self,
                 ks: Sequence[int] = (1, 20),
                 temperature: float = TEMPERATURE,
                 chunk_size: int = 256,
                 out_dir: Optional[str] = None,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None,
                 collect_dir: Optional[str] = None) -> None:
        super().__init__(
            out_dir=out_dir,
            collect_device=collect_device,
            prefix=prefix,
            collect_dir=collect_dir)
        self.ks = tuple(ks)
        self.temperature = float(temperature)
        self.chunk_size = int(chunk_size)
        self.memory: Optional[tuple] = None

    def check_memory_size(self, size: int) -> None:
        """Fail before any feature is computed on a ``k`` the memory set
        cannot take.

        Args:
            size (int): Samples of the memory set.

        Raises:
            ValueError: A ``k`` of ``ks`` is larger than ``size`` (or
                ``ks`` is not distinct ints >= 1).
        """
        check_ks(self.ks, size)

    def set_memory(self, features: torch.Tensor,
                   labels: torch.Tensor) -> None:
        """The labelled features the test features are compared with.

        Args:
            features (torch.Tensor): (N_memory, C) features.
            labels (torch.Tensor): (N_memory,) int labels.
        """
        self.memory = (features, labels)

    def process(self, data_batch, data_samples: Sequence) -> None:
        """Store the features and label of every sample.

        Args:
            data_batch (Any): The batch (unused).
            data_samples (list[dict]): Model outputs as dicts, with
                ``pooled_features`` (C,) and ``gt_label`` (1,).
        """
        self.results.extend(features_and_labels(data_samples))

    def compute_metrics(self, results: List) -> Dict[str, float]:
        """Score the test features against the memory set.

        Args:
            results (list[tuple]): ``(features, label)`` of every test
                sample of every rank.

        Returns:
            dict[str, float]: ``top1_k{k}`` (the prefix is added by
            :meth:`evaluate`).

        Raises:
            RuntimeError: No memory set was given.
        """
        if self.memory is None:
            raise RuntimeError(
                'KNNMetric: no memory set; run it with '
                "test_cfg = dict(type='KNNTestLoop', memory_dataloader=...)")
        memory_feats, memory_labels = self.memory
        test_feats = torch.stack([feats for feats, _ in results])
        test_labels = torch.tensor([label for _, label in results])
        top1 = knn_top1(memory_feats, memory_labels,
                        test_feats.to(memory_feats.device), test_labels,
                        ks=self.ks, temperature=self.temperature,
                        chunk_size=self.chunk_size)
        metrics = {f'top1_k{k}': value for k, value in top1.items()}
        out_dir = self.report_dir
        if out_dir is not None:
            os.makedirs(out_dir, exist_ok=True)
            path = osp.join(out_dir, 'knn.json')
            with open(path, 'w') as f:
                json.dump(
                    dict(
                        unit='top-1 accuracy (fraction of 1)',
                        temperature=self.temperature,
                        num_memory=len(memory_feats),
                        num_test=len(test_feats),
                        top1={str(k): value for k, value in top1.items()}),
                    f,
                    indent=2)
            print_log(f'KNNMetric: wrote {path}', logger='current')
        return metrics
