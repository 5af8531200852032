"""The skeleton layout a transform applies to a sample.

:class:`~pstl_mm.datasets.PSTLSkeletonDataset` writes the name of its layout
into every sample (``results['layout']``), so the transforms that need a
layout (flip, spatial masks, partial-body occlusion) take it from there and
a config names the layout once, in its dataset. A transform given a
``layout`` of its own (e.g. one called on bare arrays) uses that one.
"""
from typing import Dict, Optional

from pstl_mm.skeleton import SkeletonLayout, get_layout


def sample_layout(layout: Optional[SkeletonLayout], results: Dict,
                  where: str) -> SkeletonLayout:
    """The layout of a transform's call: its own, else the sample's.

    Args:
        layout (SkeletonLayout, optional): The transform's own layout
            (``None``: take the sample's).
        results (dict): The sample; ``results['layout']`` (str) names its
            layout where the dataset set it.
        where (str): The transform and the sample, for error messages
            (e.g. ``"SkeletonFlip on sample 'S001C001P001R001A001'"``).

    Returns:
        SkeletonLayout: The layout to apply.

    Raises:
        ValueError: Neither a layout nor ``results['layout']`` is given, the
            sample names an unknown layout, or both are given and differ.
    """
    name = results.get('layout')
    if name is None:
        if layout is None:
            raise ValueError(
                f'{where}: no skeleton layout: the sample has no "layout" '
                '(PSTLSkeletonDataset sets it) and the transform was given '
                'none (layout=...)')
        return layout
    try:
        own = get_layout(name)
    except ValueError as err:
        raise ValueError(f'{where}: {err}') from None
    if layout is not None and layout.name != own.name:
        raise ValueError(f'{where}: the transform has layout '
                         f'{layout.name!r} but the sample is {own.name!r}')
    return own
