"""Which channels of a sample's ``keypoint`` are coordinates.

``keypoint`` is (M, T, V, C). In a 3-D skeleton every channel is a
coordinate (x, y, z). MMAction2's 2-D skeletons (a pose estimator's output,
e.g. ``ntu60_2d.pkl``) hold (x, y) in pixels with a ``keypoint_score``
(M, T, V) beside them, which MMAction2's ``GenSkeFeat`` appends as a third
channel: C = 3, but only the first two channels are coordinates and the
third is a confidence.

:class:`~pstl_mm.datasets.PSTLSkeletonDataset` writes the number of
coordinate channels of its samples (its ``in_channels``: 3 for 3-D, 2 for
2-D) into every sample, ``results['coordinates']``. The transforms that
move points (shear, rotation, flip) or measure their motion (MATM) read it
there, unless given their own (``coordinates=...``), act on the channels
``0 .. coordinates - 1`` only, and pass the others (the score) through
unchanged.
"""
from typing import Dict, Optional

#: The sample key naming the coordinate channels of ``keypoint``.
COORDINATES = 'coordinates'


def check_coordinates(coordinates: Optional[int], where: str) -> Optional[int]:
    """Validate a transform's ``coordinates`` argument.

    Args:
        coordinates (int, optional): Coordinate channels, ``>= 1``, or
            ``None`` (the sample's).
        where (str): The transform, for the message.

    Returns:
        int, optional: ``coordinates`` as an int, or ``None``.

    Raises:
        ValueError: Not an int ``>= 1``.
    """
    if coordinates is None:
        return None
    if isinstance(coordinates, bool) or int(coordinates) != coordinates \
            or coordinates < 1:
        raise ValueError(f'{where}: coordinates must be an int >= 1 (2 for '
                         f'image keypoints, 3 for 3-D), got {coordinates!r}')
    return int(coordinates)


def sample_coordinates(coordinates: Optional[int], results: Dict,
                       num_channels: int, where: str) -> Optional[int]:
    """The coordinate channels of a transform's call: its own, else the
    sample's.

    Args:
        coordinates (int, optional): The transform's own (``None``: take
            the sample's).
        results (dict): The sample; ``results['coordinates']`` (int) where
            the dataset set it.
        num_channels (int): C of the sample's ``keypoint`` (M, T, V, C).
        where (str): The transform and the sample, for error messages.

    Returns:
        int, optional: The channels ``0 .. n - 1`` that are coordinates,
        ``1 <= n <= C``; ``None`` when neither the transform nor the sample
        says (the caller's default: every channel).

    Raises:
        ValueError: The sample's value is not an int ``>= 1``, it exceeds
            C, or the transform and the sample disagree.
    """
    own = results.get(COORDINATES)
    if own is not None:
        own = check_coordinates(own, where)
        if coordinates is not None and coordinates != own:
            raise ValueError(f'{where}: the transform has coordinates='
                             f'{coordinates} but the sample has {own}')
    found = own if own is not None else coordinates
    if found is not None and found > num_channels:
        raise ValueError(f'{where}: coordinates={found}, but "keypoint" has '
                         f'only C = {num_channels} channels')
    return found
