"""PSTL: Barlow Twins between an anchor and its masked views."""
from typing import Dict, List, Optional, Tuple, Union

import torch
from mmaction.registry import MODELS
from mmengine.model import BaseModel

#: The view every other view is compared with when no pairs are given.
ANCHOR = 'anchor'
#: ``view + MASK_SUFFIX`` holds a view's (N, V) bool joint mask.
MASK_SUFFIX = '_joint_mask'


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
        pairs (dict[str, tuple[str, str]], optional): Loss name -> the two
            views; the loss dict holds ``loss_<name>`` for each (MMEngine
            sums them into ``loss``). ``None`` (default): the ``anchor``
            view against every other view of the inputs, each pair named
            after the other view (PSTL: ``loss_spatial`` and
            ``loss_temporal``), so that the views are named only in the
            data pipeline's :class:`MultiView`.
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
        self.pairs: Optional[Dict[str, Tuple[str, str]]] = None
        if pairs is not None:
            self.pairs = {name: tuple(pair) for name, pair in pairs.items()}
            for name, pair in self.pairs.items():
                if len(pair) != 2:
                    raise ValueError(f'pair {name!r} must name two views, '
                                     f'got {pair}')

    @staticmethod
    def view_names(inputs: Dict[str, torch.Tensor]) -> List[str]:
        """The views of ``inputs`` in order (joint masks left out)."""
        return [name for name in inputs if not name.endswith(MASK_SUFFIX)]

    def pairs_of(self, inputs: Dict[str, torch.Tensor]
                 ) -> Dict[str, Tuple[str, str]]:
        """The pairs to compare: ``pairs``, else anchor vs every view.

        Args:
            inputs (dict[str, Tensor]): The batch's views and masks.

        Returns:
            dict[str, tuple[str, str]]: Loss name -> the two views.

        Raises:
            KeyError: No ``pairs`` were given and there is no ``anchor``
                view, or no other view.
        """
        if self.pairs is not None:
            return self.pairs
        views = self.view_names(inputs)
        others = [name for name in views if name != ANCHOR]
        if ANCHOR not in views or not others:
            raise KeyError(
                f'PSTL without pairs compares the {ANCHOR!r} view with every '
                f'other view; the inputs have views {views}. Name the views '
                f'{ANCHOR!r} and others in MultiView, or give pairs')
        return {name: (ANCHOR, name) for name in others}

    @staticmethod
    def _view(inputs: Dict[str, torch.Tensor], name: str):
        if name not in inputs:
            raise KeyError(f'view {name!r} is missing from the inputs '
                           f'(have {sorted(inputs)})')
        return inputs[name], inputs.get(name + MASK_SUFFIX)

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
        """Barlow Twins losses of every pair; each view is projected once.

        Every view passes the backbone on its own; a neck with
        ``forward_views`` projects all views in one call (per-view
        BatchNorm statistics), else each view is projected on its own.
        """
        pairs = self.pairs_of(inputs)
        names = list(dict.fromkeys(v for p in pairs.values() for v in p))
        feats = [self.extract_feat(inputs, name) for name in names]
        if hasattr(self.neck, 'forward_views'):
            z = dict(zip(names, self.neck.forward_views(feats)))
        else:
            z = {name: self.neck(feat) for name, feat in zip(names, feats)}
        return {
            f'loss_{name}': self.head.loss(z[a], z[b])
            for name, (a, b) in pairs.items()
        }

    def forward(self,
                inputs: Union[Dict[str, torch.Tensor], torch.Tensor],
                data_samples: Optional[List] = None,
                mode: str = 'tensor'):
        """``loss``: the loss dict; ``tensor``: features of the anchor view.

        A bare tensor input is taken as the ``anchor`` view.
        """
        if isinstance(inputs, torch.Tensor):
            inputs = dict(anchor=inputs)
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        if mode == 'tensor':
            first = (next(iter(self.pairs.values()))[0]
                     if self.pairs else ANCHOR)
            view = first if first in inputs else self.view_names(inputs)[0]
            return self.extract_feat(inputs, view)
        raise ValueError(f"PSTL supports mode 'loss' and 'tensor', got "
                         f'{mode!r}')
