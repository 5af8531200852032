"""Save the labelled subset of a semi-supervised run beside its logs."""
import json
import os.path as osp
from collections import Counter

from mmaction.registry import HOOKS
from mmengine.hooks import Hook


def _unwrap(dataset):
    """The dataset inside MMEngine's wrappers (RepeatDataset, ...)."""
    while hasattr(dataset, 'dataset'):
        dataset = dataset.dataset
    return dataset


@HOOKS.register_module()
class LabelledSubsetHook(Hook):
    """Write ``labelled_subset.json`` into the work dir before training.

    For a training dataset built with ``label_fraction`` (see
    :class:`PSTLSkeletonDataset`), the file holds the fraction, the seed, the
    per-class counts and the names of the labelled samples, so that a
    semi-supervised run can be audited and repeated; the counts are logged.

    Args:
        filename (str): File name in the work dir.
    """

    priority = 'LOW'

    def __init__(self, filename: str = 'labelled_subset.json') -> None:
        self.filename = filename

    def before_train(self, runner) -> None:
        dataset = _unwrap(runner.train_dataloader.dataset)
        names = getattr(dataset, 'labelled_subset', None)
        if names is None:
            raise ValueError(
                'LabelledSubsetHook: the training dataset has no labelled '
                'subset; build it with label_fraction=...')
        labels = [
            dataset.get_data_info(i)['label'] for i in range(len(dataset))
        ]
        counts = dict(sorted(Counter(labels).items()))
        record = dict(
            ann_file=dataset.ann_file,
            split=getattr(dataset, 'split', None),
            label_fraction=dataset.label_fraction,
            label_seed=dataset.label_seed,
            num_samples=len(names),
            per_class=counts,
            names=names)
        path = osp.join(runner.work_dir, self.filename)
        with open(path, 'w') as f:
            json.dump(record, f, indent=1)
        runner.logger.info(
            f'labelled subset: {len(names)} samples '
            f'({dataset.label_fraction:.0%} per class, seed '
            f'{dataset.label_seed}, per class {counts}) saved to {path}')
