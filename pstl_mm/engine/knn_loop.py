"""A test loop that scores frozen features by kNN against the train split."""
import time
from typing import Dict, List, Tuple, Union

import torch
from mmaction.registry import LOOPS
from mmengine.dist import collect_results
from mmengine.evaluator import Evaluator
from mmengine.runner import TestLoop, autocast
from mmengine.runner.loops import _parse_losses
from torch.utils.data import DataLoader

from ..evaluation.knn_metric import KNNMetric, features_and_labels


@LOOPS.register_module()
class KNNTestLoop(TestLoop):
    """Weighted kNN top-1 of a frozen encoder, without training.

    The model must store pooled features in its outputs
    (:class:`~pstl_mm.models.FeatureExtractor`). In eval mode, the loop
    runs the memory dataloader (the train split, unaugmented) through
    ``model.test_step``, gathers the features and labels of every rank,
    hands them to the evaluator's :class:`~pstl_mm.evaluation.KNNMetric`,
    then tests as :class:`~mmengine.runner.TestLoop` does: the test
    features go to the metric, which L2-normalises both sets and scores
    them by :func:`~pstl_mm.evaluation.knn.knn_top1` in chunks of test
    features (fractions ``knn/top1_k{k}``)
    and writes ``knn.json`` to the run's log dir (unless the metric was
    given its own ``out_dir``). The metrics reach the hooks and the log as
    any test metrics do.

    Args:
        runner (Runner): The runner.
        dataloader (DataLoader | dict): The test dataloader.
        evaluator (Evaluator | dict | list): Must hold a ``KNNMetric``.
        memory_dataloader (DataLoader | dict): The labelled samples the
            test samples are compared with, e.g. the train split with the
            test pipeline and ``shuffle=False``.
        fp16 (bool): Extract features under autocast. Defaults to False.
    """

    def __init__(self,
                 runner,
                 dataloader: Union[DataLoader, Dict],
                 evaluator: Union[Evaluator, Dict, List],
                 memory_dataloader: Union[DataLoader, Dict],
                 fp16: bool = False) -> None:
        super().__init__(runner, dataloader, evaluator, fp16=fp16)
        if isinstance(memory_dataloader, dict):
            memory_dataloader = runner.build_dataloader(
                memory_dataloader,
                seed=runner.seed,
                diff_rank_seed=runner._randomness_cfg.get(
                    'diff_rank_seed', False))
        self.memory_dataloader = memory_dataloader
        self.metrics = KNNMetric.find_in(self.evaluator, 'KNNTestLoop')
        # Fail now, not after the features, on a k the memory set lacks.
        for metric in self.metrics:
            metric.check_memory_size(len(self.memory_dataloader.dataset))

    @torch.no_grad()
    def extract_memory(self) -> Tuple[torch.Tensor, torch.Tensor]:
        """Features and labels of the memory set, gathered from all ranks.

        Returns:
            tuple[torch.Tensor, torch.Tensor]: (N_memory, C) features on
            the model's device and (N_memory,) int64 labels, in the order
            of the memory dataset.

        Raises:
            ValueError: A memory sample has no label.
        """
        results = []
        for data_batch in self.memory_dataloader:
            with autocast(enabled=self.fp16):
                outputs = self.runner.model.test_step(data_batch)
            results.extend(features_and_labels(outputs))
        size = len(self.memory_dataloader.dataset)
        results = collect_results(results, size, device='cpu')
        labels = torch.tensor([label for _, label in results])
        missing = int((labels < 0).sum())
        if missing:
            raise ValueError(
                f'KNNTestLoop: {missing} of {size} samples of the memory set '
                'have no label; the memory dataloader must read a labelled '
                'split (e.g. train_data of the dataset base, not '
                'pretrain_data)')
        device = next(self.runner.model.parameters()).device
        features = torch.stack([feats for feats, _ in results]).to(device)
        return features, labels

    def run(self) -> dict:
        """Extract the memory set, then test.

        Returns:
            dict: The evaluator's metrics (``knn/top1_k{k}``).
        """
        self.runner.call_hook('before_test')
        self.runner.call_hook('before_test_epoch')
        self.runner.model.eval()
        self.test_loss.clear()
        for metric in self.metrics:
            metric.set_run_dir(self.runner.log_dir)

        start = time.perf_counter()
        features, labels = self.extract_memory()
        for metric in self.metrics:
            metric.set_memory(features, labels)
        self.runner.logger.info(
            f'kNN memory set: {len(labels)} samples, {features.shape[1]} '
            f'features each, in {time.perf_counter() - start:.1f} s')
        for idx, data_batch in enumerate(self.dataloader):
            self.run_iter(idx, data_batch)

        metrics = self.evaluator.evaluate(len(self.dataloader.dataset))
        if self.test_loss:
            metrics.update(_parse_losses(self.test_loss, 'test'))
        self.runner.call_hook('after_test_epoch', metrics=metrics)
        self.runner.call_hook('after_test')
        return metrics
