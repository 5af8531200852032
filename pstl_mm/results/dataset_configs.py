"""The configs of one dataset's results, found by the config tree's names."""
import glob
import os.path as osp
from dataclasses import dataclass, field
from typing import Dict, Optional

#: What the tables call the encoders of the pretraining configs
#: ``<name>_<dataset>.py`` and the random initialisation.
ENCODER_LABELS = {
    'random_init': 'Random init (frozen)',
    'pstl': 'PSTL',
    'skeletonbt': 'SkeletonBT',
    'scratch': 'From scratch (no pretraining)',
}
#: Ablation configs ``ablation/ablation_<key>_<dataset>.py``: key -> (run
#: name, label). Other keys run as ``ablation_<key>``, labelled by the key.
ABLATIONS = {
    'reference': ('pstl_reference',
                  'PSTL, batch-shared draws (authors\' code)'),
    'csm': ('csm_only', 'SkeletonBT + CSM'),
    'matm': ('matm_only', 'SkeletonBT + MATM'),
}
#: The pretraining configs at the top of the tree, in the tables' order.
PRETRAININGS = ('pstl', 'skeletonbt')
#: The fine-tuning protocols of the extended results, in the tables' order:
#: name -> config under the tree (``{dataset}`` filled in).
FINETUNES = {
    'semi5': 'semi/semi5_{dataset}.py',
    'semi10': 'semi/semi10_{dataset}.py',
    'finetune': 'finetune/finetune_{dataset}.py',
}


@dataclass
class DatasetConfigs:
    """The configs of one dataset (a benchmark split, e.g. ``nw_ucla_xview``).

    Args:
        dataset (str): The name the configs end with.
        pretrainings (dict): Run name -> pretraining config (``pstl`` first).
        ablations (dict): Run name -> ablation pretraining config.
        linear (str): The linear protocol's config.
        partial_body (str, optional): The partial-body config.
        knn (str, optional): The kNN config.
        labels (dict): Run name -> what the tables call its encoder.
        curves (dict): Run name -> its long pretraining
            (``curve/<name>_curve_<dataset>.py``) for the learning curve.
        finetunes (dict): Protocol -> its config (:data:`FINETUNES`).
    """
    dataset: str
    pretrainings: Dict[str, str]
    linear: str
    ablations: Dict[str, str] = field(default_factory=dict)
    partial_body: Optional[str] = None
    knn: Optional[str] = None
    labels: Dict[str, str] = field(default_factory=dict)
    curves: Dict[str, str] = field(default_factory=dict)
    finetunes: Dict[str, str] = field(default_factory=dict)


def find_dataset_configs(dataset: str,
                         config_dir: str = 'configs/pstl') -> DatasetConfigs:
    """The configs of ``dataset`` under ``config_dir``.

    ``pstl_<dataset>.py`` and ``linear/linear_<dataset>.py`` must exist;
    ``skeletonbt_<dataset>.py``, ``partial_body/partial_body_<dataset>.py``,
    ``knn/knn_<dataset>.py``, ``ablation/ablation_<key>_<dataset>.py``,
    ``curve/<pretraining>_curve_<dataset>.py`` and the fine-tuning protocols of
    :data:`FINETUNES` are taken where they exist.

    Args:
        dataset (str): E.g. ``nw_ucla_xview``.
        config_dir (str): The config tree.

    Returns:
        DatasetConfigs: The configs found.

    Raises:
        FileNotFoundError: A required config is missing; the message names
            it and the datasets that have one.
    """

    def path(*names):
        return osp.join(config_dir, *names)

    required = (path(f'pstl_{dataset}.py'),
                path('linear', f'linear_{dataset}.py'))
    for config in required:
        if not osp.isfile(config):
            names = (osp.basename(p)[len('linear_'):-len('.py')]
                     for p in glob.glob(path('linear', 'linear_*.py')))
            known = sorted(n for n in names
                           if osp.isfile(path(f'pstl_{n}.py')))
            raise FileNotFoundError(
                f'dataset {dataset!r}: {config} does not exist (datasets '
                f'with a pretraining and a linear config in {config_dir}: '
                f'{", ".join(known) or "none"})')
    pretrainings = {
        name: path(f'{name}_{dataset}.py')
        for name in PRETRAININGS if osp.isfile(path(f'{name}_{dataset}.py'))
    }
    labels = {k: v for k, v in ENCODER_LABELS.items()}
    ablations = {}
    suffix = f'_{dataset}.py'
    for config in sorted(glob.glob(path('ablation', f'ablation_*{suffix}'))):
        key = osp.basename(config)[len('ablation_'):-len(suffix)]
        run, label = ABLATIONS.get(key, (f'ablation_{key}', key))
        ablations[run] = config
        labels[run] = label

    def optional(*names):
        return path(*names) if osp.isfile(path(*names)) else None

    return DatasetConfigs(
        dataset=dataset,
        pretrainings=pretrainings,
        linear=required[1],
        ablations=ablations,
        partial_body=optional('partial_body', f'partial_body_{dataset}.py'),
        knn=optional('knn', f'knn_{dataset}.py'),
        labels=labels,
        curves={name: path('curve', f'{name}_curve_{dataset}.py')
                for name in pretrainings
                if osp.isfile(path('curve', f'{name}_curve_{dataset}.py'))},
        finetunes={name: path(pattern.format(dataset=dataset))
                   for name, pattern in FINETUNES.items()
                   if osp.isfile(path(pattern.format(dataset=dataset)))})
