"""PSTL: Barlow Twins between an anchor and its masked views."""
from typing import Dict, List, Optional, Tuple, Union

import torch
from mmaction.registry import MODELS
from mmengine.model import BaseModel


@MODELS.register_module()
class PSTL(BaseModel):
    """Self-supervised PSTL model (also SkeletonBT and the ablations).

    Every view passes the one backbone on its own (so BatchNorm statistics
    are per view) with its joint mask, is pooled over time and kept joints,
    and projected once by the neck; the head's Barlow Twins loss is taken
    for every named pair. PSTL: pairs ``spatial=(anchor, spatial)`` and
    ``temporal=(anchor, temporal)``; SkeletonBT: one pair of two plainly
    augmented views; the CSM-only / MATM-only / RSM / RTM ablations differ
    only in the data pipeline and pairs of their configs.

    Args:
        backbone (dict): :class:`MaskableSTGCN` config.
        neck (dict): Projector config.
        head (dict): :class:`BarlowTwinsHead` config.
        pairs (dict[str, tuple[str, str]]): Loss name -> the two views;
            the loss dict holds ``loss_<name>`` for each (MMEngine sums
            them into ``loss``).
        data_preprocessor (dict, optional): Data preprocessor config.
        init_cfg (dict, optional): MMEngine initialisation config.
    """

    def __init__(self,
                 backbone: dict,
                 neck: dict,
                 head: dict,
                 pairs: Optional[Dict[str, Tuple[str, str]]] = None,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(
            data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.backbone = MODELS.build(backbone)
        self.neck = MODELS.build(neck)
        self.head = MODELS.build(head)
        if pairs is None:
            pairs = dict(
                spatial=('anchor', 'spatial'), temporal=('anchor', 'temporal'))
        self.pairs = {name: tuple(pair) for name, pair in pairs.items()}
        for name, pair in self.pairs.items():
            if len(pair) != 2:
                raise ValueError(f'pair {name!r} must name two views, got '
                                 f'{pair}')

    @staticmethod
    def _view(inputs: Dict[str, torch.Tensor], name: str):
        if name not in inputs:
            raise KeyError(f'view {name!r} is missing from the inputs '
                           f'(have {sorted(inputs)})')
        mask = inputs.get(name + '_joint_mask')
        if mask is not None and mask.dtype != torch.bool:
            mask = mask > 0.5
        return inputs[name], mask

    def extract_feat(self, inputs: Dict[str, torch.Tensor],
                     view: str = 'anchor') -> torch.Tensor:
        """Pooled backbone features of one view.

        Args:
            inputs (dict[str, Tensor]): ``view`` -> (N, M, T, V, C) and
                optionally ``view + '_joint_mask'`` -> (N, V).
            view (str): The view to encode.

        Returns:
            torch.Tensor: (N, C_out) features.
        """
        x, mask = self._view(inputs, view)
        return self.backbone.forward_pooled(x, mask)

    def loss(self, inputs: Dict[str, torch.Tensor],
             data_samples=None) -> Dict[str, torch.Tensor]:
        """Barlow Twins losses of every pair; each view is projected once."""
        names = list(dict.fromkeys(v for p in self.pairs.values() for v in p))
        z = {name: self.neck(self.extract_feat(inputs, name))
             for name in names}
        return {
            f'loss_{name}': self.head.loss(z[a], z[b])
            for name, (a, b) in self.pairs.items()
        }

    def forward(self,
                inputs: Union[Dict[str, torch.Tensor], torch.Tensor],
                data_samples: Optional[List] = None,
                mode: str = 'tensor'):
        """``loss``: the loss dict; ``tensor``: features of the first view.

        A bare tensor input is taken as the ``anchor`` view.
        """
        if isinstance(inputs, torch.Tensor):
            inputs = dict(anchor=inputs)
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        if mode == 'tensor':
            first = next(iter(self.pairs.values()))[0]
            view = first if first in inputs else next(iter(inputs))
            return self.extract_feat(inputs, view)
        raise ValueError(f"PSTL supports mode 'loss' and 'tensor', got "
                         f'{mode!r}')
