"""What the evaluations of a results run read from the dataset's configs."""
from dataclasses import asdict, dataclass
from typing import Optional, Tuple

from mmengine.config import Config

from ..evaluation.knn import TEMPERATURE
from ..evaluation.linear_probe import GCN_HEAD_INIT_STD, STANDARDISE_EPS
from ..skeleton import get_layout


@dataclass(frozen=True)
class ProbeSettings:
    """The linear protocol's classifier and data, from its config.

    Args:
        num_classes (int): ``model.cls_head.num_classes``.
        epochs (int): ``train_cfg.max_epochs``.
        lr (float): ``optim_wrapper.optimizer.lr``.
        batch_size (int): ``train_dataloader.batch_size``.
        init_std (float): ``model.cls_head.init_cfg.std`` where set, else
            ``GCNHead``'s default (0.01).
        train_split (str): The training dataset's split.
        test_split (str): The test dataset's split.
        ann_file (str): The datasets' annotation file.
        standardise_eps (float): The standardising BatchNorm's eps.
    """
    num_classes: int
    epochs: int
    lr: float
    batch_size: int
    init_std: float
    train_split: str
    test_split: str
    ann_file: str
    standardise_eps: float = STANDARDISE_EPS

    def as_dict(self) -> dict:
        return asdict(self)


def probe_settings(linear_config: str) -> ProbeSettings:
    """Read :class:`ProbeSettings` from a linear protocol config.

    Raises:
        KeyError: The config lacks one of the keys; the message names it.
    """
    cfg = Config.fromfile(linear_config)
    try:
        head = cfg.model.cls_head
        init = head.get('init_cfg') or {}
        return ProbeSettings(
            num_classes=int(head.num_classes),
            epochs=int(cfg.train_cfg.max_epochs),
            lr=float(cfg.optim_wrapper.optimizer.lr),
            batch_size=int(cfg.train_dataloader.batch_size),
            init_std=float(init.get('std', GCN_HEAD_INIT_STD)),
            train_split=cfg.train_dataloader.dataset.split,
            test_split=cfg.test_dataloader.dataset.split,
            ann_file=cfg.train_dataloader.dataset.ann_file)
    except (AttributeError, KeyError) as error:
        raise KeyError(f'{linear_config}: the linear config has no {error} '
                       '(needed: model.cls_head.num_classes, '
                       'train_cfg.max_epochs, optim_wrapper.optimizer.lr, '
                       'train/test_dataloader batch_size, dataset split '
                       'and ann_file)') from None


def knn_settings(knn_config: Optional[str]) -> Tuple[Tuple[int, ...], float]:
    """``ks`` and ``temperature`` of the config's ``KNNMetric``.

    Returns:
        tuple: The ks and the temperature; ``(1, 20)`` and the default
        temperature without a config.
    """
    if knn_config is None:
        return (1, 20), TEMPERATURE
    cfg = Config.fromfile(knn_config)
    evaluators = cfg.test_evaluator
    if isinstance(evaluators, dict):
        evaluators = [evaluators]
    for evaluator in evaluators:
        if evaluator.get('type') == 'KNNMetric':
            return (tuple(int(k) for k in evaluator.get('ks', (1, 20))),
                    float(evaluator.get('temperature', TEMPERATURE)))
    raise KeyError(f'{knn_config}: test_evaluator has no KNNMetric')


def partial_body_settings(config: str) -> dict:
    """The partial-body loop's modes and repeats, and the layout's sizes.

    Returns:
        dict: ``modes``, ``repeats``, ``num_joints``, ``num_parts``.
    """
    cfg = Config.fromfile(config)
    layout = get_layout(
        cfg.test_dataloader.dataset.get('layout')
        or cfg.model.backbone.get('layout', 'nturgb+d'))
    return dict(modes=list(cfg.test_cfg.get('modes', ('zero', 'drop'))),
                repeats=int(cfg.test_cfg.get('repeats', 3)),
                num_joints=layout.num_joints, num_parts=len(layout.parts))
