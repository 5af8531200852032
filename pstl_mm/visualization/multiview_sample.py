"""A training sample and the views a pretraining config's MultiView makes."""
from typing import Dict, Optional

from ..datasets.transforms.walk import iter_transforms
from .view import View


def seed_transform_configs(node, seed: int, force: bool) -> None:
    """Give every random transform config under ``node`` the seed ``seed``.

    Args:
        node: A pipeline config (nested lists and dicts), changed in place.
        seed (int): The seed.
        force (bool): Replace seeds the configs already set.
    """
    from mmaction.registry import TRANSFORMS

    from ..datasets.transforms.seeded import SeededTransform
    if isinstance(node, (list, tuple)):
        for item in node:
            seed_transform_configs(item, seed, force)
        return
    if not isinstance(node, dict):
        return
    kind = node.get('type')
    cls = TRANSFORMS.get(kind) if isinstance(kind, str) else kind
    if isinstance(cls, type) and issubclass(cls, SeededTransform) and (
            force or node.get('seed') is None):
        node['seed'] = seed
    for value in node.values():
        if isinstance(value, (list, tuple, dict)):
            seed_transform_configs(value, seed, force)


def build_training_dataset(config: str,
                           ann_file: Optional[str] = None,
                           split: Optional[str] = None,
                           seed: Optional[int] = None):
    """Build the training dataset of a config.

    Random transforms get their seed as in a training run: those without a
    ``seed`` of their own take the config's ``randomness.seed``. ``seed``
    given sets the seed of every random transform instead.

    Args:
        config (str): Config file.
        ann_file (str, optional): Replaces the dataset's ``ann_file``.
        split (str, optional): Replaces the dataset's ``split``.
        seed (int, optional): Seed of every random transform.

    Returns:
        tuple: The dataset and the seed its random transforms were given
        (``None`` where they kept their own).
    """
    from mmaction.registry import DATASETS
    from mmengine.config import Config
    from mmengine.registry import DefaultScope

    import pstl_mm  # noqa: F401
    cfg = Config.fromfile(config)
    dataset_cfg = cfg.train_dataloader.dataset
    if ann_file is not None:
        dataset_cfg.ann_file = ann_file
    if split is not None:
        dataset_cfg.split = split
    force = seed is not None
    if seed is None:
        seed = (cfg.get('randomness') or {}).get('seed')
    with DefaultScope.overwrite_default_scope('mmaction'):
        if seed is not None:
            seed_transform_configs(dataset_cfg.pipeline, int(seed), force)
        return DATASETS.build(dataset_cfg), seed


def make_views(dataset, index: int) -> Dict:
    """Run the dataset's ``MultiView`` on its raw sample ``index``.

    The ``MultiView`` is the first one :func:`iter_transforms` finds; the
    pipeline's transforms before the one holding it (e.g. the stream's) run
    first, those after it (packing) are skipped.

    Args:
        dataset: A dataset whose pipeline holds a ``MultiView``.
        index (int): Sample index.

    Returns:
        dict: ``info`` (the sample dict, ``keypoint`` excluded) and
        ``views`` (list of :class:`View`, the original first).

    Raises:
        ValueError: The pipeline has no ``MultiView`` or ``index`` is out
            of range.
    """
    from ..datasets.transforms.views import MultiView
    if not -len(dataset) <= index < len(dataset):
        raise ValueError(f'--index {index} out of range: the dataset has '
                         f'{len(dataset)} samples')
    multiview = next((t for t in iter_transforms(dataset)
                      if isinstance(t, MultiView)), None)
    top = list(dataset.pipeline.transforms)
    if multiview is None:
        raise ValueError('the dataset pipeline has no MultiView: '
                         f'{[type(t).__name__ for t in top]}')
    results = dataset.get_data_info(index)
    for transform in top:
        if transform is multiview or any(
                inner is multiview for inner in iter_transforms(transform)):
            break
        results = transform(results)
    original = results['keypoint']
    out = multiview(results)
    views = [View('original', original)]
    for name, view in out['views'].items():
        views.append(
            View(name, view['keypoint'], view.get('joint_mask'),
                 view.get('kept_frames')))
    info = {k: v for k, v in results.items() if k != 'keypoint'}
    return dict(info=info, views=views)
