"""PSTL: Barlow Twins between an anchor and its masked views."""
from typing import Dict, List, Optional, Tuple, Union

import torch
from mmaction.registry import MODELS
from mmengine.model import BaseModel

from ...structures import KEYPOINT, check_views, mask_arguments

#: The view every other view is compared with when no pairs are given.
ANCHOR = 'anchor'


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

    The inputs are the batched views of
    :mod:`pstl_mm.structures.skeleton_views`: view name ->
    ``dict(keypoint=(N, M, T, V, C), joint_mask=(N, V) bool)`` (mask
    optional, with the ``kept_joints`` that
    :class:`~pstl_mm.models.ViewsDataPreprocessor` adds), or a bare
    (N, M, T, V, C) tensor for a view without a mask.

    Args:
        backbone (dict): The encoder's config: any
            :class:`~pstl_mm.models.SkeletonEncoder` (``MaskableSTGCN``,
            ``MaskedBackbone``).
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

    def pairs_of(self, inputs: Dict) -> Dict[str, Tuple[str, str]]:
        """The pairs to compare: ``pairs``, else anchor vs every view.

        Args:
            inputs (dict): The batch's views.

        Returns:
            dict[str, tuple[str, str]]: Loss name -> the two views.

        Raises:
            KeyError: No ``pairs`` were given and there is no ``anchor``
                view, or no other view.
        """
        if self.pairs is not None:
            return self.pairs
        views = list(inputs)
        others = [name for name in views if name != ANCHOR]
        if ANCHOR not in views or not others:
            raise KeyError(
                f'PSTL without pairs compares the {ANCHOR!r} view with every '
                f'other view; the inputs have views {views}. Name the views '
                f'{ANCHOR!r} and others in MultiView, or give pairs')
        return {name: (ANCHOR, name) for name in others}

    def _encode(self, views: Dict[str, dict], name: str) -> torch.Tensor:
        """Pooled backbone features of the checked view ``name``."""
        if name not in views:
            raise KeyError(f'PSTL: view {name!r} is missing from the inputs '
                           f'(have {list(views)})')
        view = views[name]
        return self.backbone.forward_pooled(
            view[KEYPOINT],
            **mask_arguments(self.backbone, 'forward_pooled', view,
                             f'PSTL, view {name!r}'))

    def extract_feat(self, inputs: Dict[str, Union[dict, torch.Tensor]],
                     view: str = ANCHOR) -> torch.Tensor:
        """Pooled backbone features of one view.

        Args:
            inputs (dict): The batch's views (see the class).
            view (str): The view to encode.

        Returns:
            torch.Tensor: (N, C_out) features.
        """
        return self._encode(check_views(inputs, 'PSTL'), view)

    def loss(self, inputs: Dict[str, Union[dict, torch.Tensor]],
             data_samples=None) -> Dict[str, torch.Tensor]:
        """Barlow Twins losses of every pair; each view is projected once.

        Every view passes the backbone on its own; a neck with
        ``forward_views`` projects all views in one call (per-view
        BatchNorm statistics), else each view is projected on its own.

        Args:
            inputs (dict): The batch's views (see the class).
            data_samples: Unused.

        Returns:
            dict[str, torch.Tensor]: ``loss_<pair>`` for every pair.
        """
        views = check_views(inputs, 'PSTL')
        pairs = self.pairs_of(views)
        names = list(dict.fromkeys(v for p in pairs.values() for v in p))
        feats = [self._encode(views, name) for name in names]
        if hasattr(self.neck, 'forward_views'):
            z = dict(zip(names, self.neck.forward_views(feats)))
        else:
            z = {name: self.neck(feat) for name, feat in zip(names, feats)}
        return {
            f'loss_{name}': self.head.loss(z[a], z[b])
            for name, (a, b) in pairs.items()
        }

    def forward(self,
                inputs: Union[Dict[str, Union[dict, torch.Tensor]],
                              torch.Tensor],
                data_samples: Optional[List] = None,
                mode: str = 'tensor'):
        """``loss``: the loss dict; ``tensor``: features of the anchor view.

        A bare tensor input is taken as the ``anchor`` view.
        """
        if isinstance(inputs, torch.Tensor):
            inputs = {ANCHOR: inputs}
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        if mode == 'tensor':
            views = check_views(inputs, 'PSTL')
            first = (next(iter(self.pairs.values()))[0]
                     if self.pairs else ANCHOR)
            return self._encode(views,
                                first if first in views else next(iter(views)))
        raise ValueError(f"PSTL supports mode 'loss' and 'tensor', got "
                         f'{mode!r}')
