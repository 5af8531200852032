"""The masks of PSTL: spatial (joints) and temporal (frames).

Spatial masks (:class:`CentralSpatialMasking`, :class:`RandomSpatialMasking`)
leave the coordinates alone and add ``results['joint_mask']``, a (V,) bool
array, True where a joint is removed; the encoder drops those joints.

Temporal masks (:class:`MotionAttentionTemporalMasking`,
:class:`RandomTemporalMasking`) remove frames: ``results['keypoint']``
(M, T, V, C) becomes (M, T', V, C), the kept frames in temporal order, and
``results['kept_frames']`` (T',) int64 holds their ascending indices.

On 2-D keypoints (MMAction2's 2-D pickles, see :mod:`.coordinates`)
nothing changes but the motion MATM measures: the spatial masks read V and
the layout only (coco: 6 of 17 joints by default, the paper's 9 of 25 in
proportion), the temporal masks keep every channel of the kept frames, and
MATM's motion is that of the coordinate channels, the score channel left
out.
"""
import functools
from abc import abstractmethod
from typing import Dict, Optional, Tuple

import numpy as np
from mmaction.registry import TRANSFORMS

from pstl_mm.skeleton import SkeletonLayout, get_layout
from .coordinates import check_coordinates, sample_coordinates
from .sample_layout import sample_layout
from .seeded import SeededTransform


def draw_without_replacement(rng: np.random.Generator,
                             num_items: int,
                             num_drawn: int,
                             weights: Optional[np.ndarray] = None
                             ) -> np.ndarray:
    """Draw ``num_drawn`` distinct items, each proportional to its weight.

    The items are drawn one after the other without replacement, each draw
    proportional to the weights of the items not yet drawn (uniform without
    ``weights``), the distribution of ``rng.choice(num_items, num_drawn,
    replace=False, p=weights / weights.sum())``. It is computed in one go as
    an exponential race: item i finishes at ``E_i / w_i`` with ``E_i`` iid
    Exp(1), and the ``num_drawn`` first to finish are the draw (the first
    finishes with probability ``w_i / sum_j w_j`` and, the clocks being
    memoryless, so does each next one among the rest).

    Args:
        rng (np.random.Generator): The generator (draws ``num_items``
            standard exponentials).
        num_items (int): N, the items are ``0 .. N - 1``.
        num_drawn (int): K, ``0 <= K <= N``.
        weights (np.ndarray, optional): (N,) weights, all ``> 0`` (not
            checked here).

    Returns:
        np.ndarray: (K,) int64 distinct items, in no particular order.
    """
    finish = rng.standard_exponential(num_items)
    if weights is not None:
        finish /= weights
    if num_drawn == 0:
        return np.zeros(0, dtype=np.int64)
    return np.argpartition(finish, num_drawn - 1)[:num_drawn].astype(
        np.int64, copy=False)


# ---------------------------------------------------------------- spatial


@functools.lru_cache(maxsize=16)
def degree_draws(layout: str) -> Tuple[np.ndarray, np.ndarray]:
    """What CSM draws from on ``layout``: degree probabilities and pool.

    Args:
        layout (str): Skeleton layout name (:func:`get_layout`).

    Returns:
        tuple[np.ndarray, np.ndarray]: ``probs`` (V,) float64, ``d_i / sum_j
        d_j``, and ``pool`` (sum_j d_j,) int64, joint i repeated d_i times
        (48 entries for NTU); both read-only (they are cached).
    """
    degrees = get_layout(layout).degrees
    probs = degrees / degrees.sum()
    pool = np.repeat(np.arange(len(degrees)), degrees)
    probs.flags.writeable = False
    pool.flags.writeable = False
    return probs, pool


class _SpatialMasking(SeededTransform):
    """Base of the joint masks: checks V and writes ``joint_mask``.

    The layout is the sample's (``results['layout']``, set by
    :class:`~pstl_mm.datasets.PSTLSkeletonDataset`) unless ``layout`` is
    given (see :func:`sample_layout`); so is the number of joints removed
    unless ``num_masked`` is given (the layout's ``num_masked``: 9 of NTU's
    25, 7 of Kinect v1's 20, 6 of coco's 17). Only V of ``keypoint`` is
    read, so 2-D keypoints (with or without a score channel) are masked as
    3-D ones. Settings that a layout cannot take are refused
    when the transform is built if its layout is given, else at the first
    sample.

    Args:
        num_masked (int, optional): Joints to remove, ``0 <= num_masked <
            V``; ``None`` takes the layout's.
        layout (str, optional): Skeleton layout name (:func:`get_layout`);
            ``None`` takes the sample's.
        seed (int, optional): See :class:`SeededTransform`.
    """

    def __init__(self, num_masked: Optional[int], layout: Optional[str],
                 seed: Optional[int]) -> None:
        super().__init__(seed=seed)
        if num_masked is not None and (int(num_masked) != num_masked
                                       or num_masked < 0):
            raise ValueError(f'{type(self).__name__}: num_masked must be an '
                             f'int >= 0, got {num_masked!r}')
        self.num_masked = None if num_masked is None else int(num_masked)
        self.layout = None if layout is None else get_layout(layout)
        self._suited = set()  # names of the layouts the settings suit
        if self.layout is not None:
            self.check_layout(self.layout, type(self).__name__)
            self._suited.add(self.layout.name)

    def masked_joints(self, layout: SkeletonLayout) -> int:
        """Joints removed on ``layout``: ``num_masked`` or the layout's."""
        if self.num_masked is None:
            return layout.num_masked
        return self.num_masked

    def check_layout(self, layout: SkeletonLayout, where: str) -> None:
        """Raise ``ValueError`` (prefixed by ``where``) unless the settings
        suit ``layout``."""
        num_joints = layout.num_joints
        num_masked = self.masked_joints(layout)
        if not 0 <= num_masked < num_joints:
            raise ValueError(
                f'{where}: num_masked={num_masked} must be in [0, '
                f'{num_joints}) for layout {layout.name!r} ({num_joints} '
                'joints)')

    @abstractmethod
    def draw_joints(self, layout: SkeletonLayout) -> np.ndarray:
        """Draw the removed joints of ``layout``, (K,) int indices."""

    def transform(self, results: Dict) -> Dict:
        """Add ``results['joint_mask']`` (V,) bool, True = removed.

        Args:
            results (dict): The sample; ``keypoint`` (M, T, V, C) is read for
                its V only.

        Returns:
            dict: ``results`` with ``joint_mask`` set (replacing any).

        Raises:
            ValueError: No layout (neither given nor in the sample), V
                differs from the layout's number of joints, or the settings
                do not suit the sample's layout.
        """
        where = self._where(results)
        layout = sample_layout(self.layout, results, where)
        self._keypoint(results, layout)
        if layout.name not in self._suited:
            self.check_layout(layout, where)
            self._suited.add(layout.name)
        mask = np.zeros(layout.num_joints, dtype=bool)
        mask[self.draw_joints(layout)] = True
        results['joint_mask'] = mask
        return results

    def _layout_repr(self) -> str:
        """``num_masked=..., layout=...`` for ``__repr__``."""
        layout = None if self.layout is None else self.layout.name
        return f'num_masked={self.num_masked}, layout={layout!r}'


@TRANSFORMS.register_module()
class CentralSpatialMasking(_SpatialMasking):
    """Central Spatial Masking (CSM): remove joints drawn by their degree.

    Joint i is drawn with probability ``p_i = d_i / sum_j d_j`` (d: degree in
    the skeleton graph, no self loop; :func:`degree_draws`).

    * ``mode='paper'``: ``num_masked`` distinct joints, drawn one after the
      other without replacement, each draw proportional to the degrees of
      the joints not yet drawn (:func:`draw_without_replacement`, the
      distribution of ``Generator.choice(..., replace=False, p)``).
    * ``mode='reference'`` (the authors' code): a pool in which joint i
      appears d_i times (48 entries for NTU); ``num_draws`` pool entries are
      drawn without replacement and the mask is the set of distinct joints
      among them (3..8 joints for 8 draws on NTU, 7.34 on average).
      ``num_masked`` is not used in this mode.

    Args:
        num_masked (int, optional): Joints removed in ``'paper'`` mode;
            ``None`` (default) takes the layout's (the paper's 9 on NTU).
        mode (str): ``'paper'`` or ``'reference'``. Defaults to ``'paper'``.
        num_draws (int): Pool draws in ``'reference'`` mode. Defaults to 8.
        layout (str, optional): Skeleton layout name; ``None`` (default)
            takes the sample's.
        seed (int, optional): See :class:`SeededTransform`.
    """

    MODES = ('paper', 'reference')

    def __init__(self,
                 num_masked: Optional[int] = None,
                 mode: str = 'paper',
                 num_draws: int = 8,
                 layout: Optional[str] = None,
                 seed: Optional[int] = None) -> None:
        if mode not in self.MODES:
            raise ValueError(f'CentralSpatialMasking: unknown mode {mode!r}; '
                             f'expected one of {self.MODES}')
        if num_draws < 0:
            raise ValueError('CentralSpatialMasking: num_draws must be >= 0, '
                             f'got {num_draws}')
        self.mode = mode
        self.num_draws = int(num_draws)
        super().__init__(num_masked=num_masked, layout=layout, seed=seed)

    def check_layout(self, layout: SkeletonLayout, where: str) -> None:
        """Also refuse joints of degree 0 (paper mode) and more draws than
        the pool holds (reference mode)."""
        probs, pool = degree_draws(layout.name)
        if self.mode == 'reference':
            if self.num_draws > len(pool):
                raise ValueError(
                    f'{where}: num_draws={self.num_draws} must be in '
                    f'[0, {len(pool)}] (the pool size of layout '
                    f'{layout.name!r})')
            return
        super().check_layout(layout, where)
        if self.masked_joints(layout) and np.any(probs <= 0):
            raise ValueError(
                f'{where}: layout {layout.name!r} has joints of degree 0, '
                'which cannot be drawn')

    def draw_joints(self, layout: SkeletonLayout) -> np.ndarray:
        """Draw the removed joints, (K,) int indices (distinct)."""
        probs, pool = degree_draws(layout.name)
        if self.mode == 'paper':
            return draw_without_replacement(self.rng, layout.num_joints,
                                            self.masked_joints(layout), probs)
        entries = self.rng.choice(
            len(pool), size=self.num_draws, replace=False)
        return np.unique(pool[entries])

    def __repr__(self) -> str:
        return (f'{type(self).__name__}({self._layout_repr()}, '
                f'mode={self.mode!r}, num_draws={self.num_draws}, '
                f'seed={self.seed})')


@TRANSFORMS.register_module()
class RandomSpatialMasking(_SpatialMasking):
    """Random Spatial Masking (RSM): remove uniformly drawn distinct joints.

    Args:
        num_masked (int, optional): Joints removed; ``None`` (default) takes
            the layout's (9 on NTU, as CSM).
        layout (str, optional): Skeleton layout name; ``None`` (default)
            takes the sample's.
        seed (int, optional): See :class:`SeededTransform`.
    """

    def __init__(self,
                 num_masked: Optional[int] = None,
                 layout: Optional[str] = None,
                 seed: Optional[int] = None) -> None:
        super().__init__(num_masked=num_masked, layout=layout, seed=seed)

    def draw_joints(self, layout: SkeletonLayout) -> np.ndarray:
        """Draw the removed joints, (K,) int indices (distinct)."""
        return self.rng.choice(
            layout.num_joints, size=self.masked_joints(layout), replace=False)

    def __repr__(self) -> str:
        return (f'{type(self).__name__}({self._layout_repr()}, '
                f'seed={self.seed})')


# --------------------------------------------------------------- temporal


def motion_attention(keypoint: np.ndarray) -> np.ndarray:
    """Motion attention of every frame.

    ``m_t`` is the mean over M, V, C of the squared forward difference
    ``(x_{t+1} - x_t)^2`` (``m_{T-1} = 0``) and ``a_t = m_t^2 / sum_i m_i^2``.
    A sequence without motion gets all zeros.

    Args:
        keypoint (np.ndarray): (M, T, V, C) coordinates.

    Returns:
        np.ndarray: (T,) float64 attention, summing to 1 (or all 0).
    """
    keypoint = np.asarray(keypoint, dtype=np.float64)
    step = keypoint[:, 1:] - keypoint[:, :-1]
    step *= step
    motion = np.zeros(keypoint.shape[1])
    motion[:-1] = step.mean(axis=(0, 2, 3))
    energy = np.square(motion)
    total = energy.sum()
    return energy / total if total > 0 else energy


def lowest_motion_frames(keypoint: np.ndarray,
                         num_removed: int) -> np.ndarray:
    """Frames left after removing the ``num_removed`` highest-attention ones.

    Ties are broken stably: among equal attention the lowest index is
    removed first.

    Args:
        keypoint (np.ndarray): (M, T, V, C) coordinates.
        num_removed (int): Frames to remove, ``0 <= num_removed <= T``.

    Returns:
        np.ndarray: (T - num_removed,) int64 frame indices, ascending.
    """
    attention = motion_attention(keypoint)
    order = np.argsort(-attention, kind='stable')
    return np.sort(order[num_removed:]).astype(np.int64)


class _TemporalMasking(SeededTransform):
    """Base of the frame masks: checks T and keeps the chosen frames."""

    def _check_length(self, results: Dict, num_frames: int,
                      num_removed: int) -> None:
        """Raise ``ValueError`` unless at least one frame would be left."""
        if num_frames <= num_removed:
            raise ValueError(
                f'{self._where(results)}: the sequence has T={num_frames} '
                f'frames, but {num_removed} are removed: at least '
                f'{num_removed + 1} frames are needed')

    @staticmethod
    def _keep(results: Dict, keypoint: np.ndarray, kept: np.ndarray) -> Dict:
        """Keep the frames ``kept`` (ascending) of the sample."""
        kept = np.sort(np.asarray(kept, dtype=np.int64))
        results['keypoint'] = keypoint.take(kept, axis=1)
        results['kept_frames'] = kept
        if 'keypoint_score' in results:
            results['keypoint_score'] = np.asarray(
                results['keypoint_score']).take(kept, axis=1)
        if 'total_frames' in results:
            results['total_frames'] = len(kept)
        return results


@TRANSFORMS.register_module()
class MotionAttentionTemporalMasking(_TemporalMasking):
    """Motion Attention Temporal Masking (MATM).

    Removes the ``num_attention`` frames of highest motion attention
    (:func:`lowest_motion_frames`), then ``num_random`` frames drawn
    uniformly among the rest (:func:`draw_without_replacement`); the
    T - num_attention - num_random frames left are kept in temporal order.
    ``keypoint_score`` (M, T, V) is cut the same way and ``total_frames``
    updated where present.

    The motion is measured on the coordinate channels: ``coordinates``,
    else the sample's ``results['coordinates']``, else every channel (as
    before). On 2-D keypoints with their score as a third channel, the
    motion of (x, y) alone: a change of the pose estimator's confidence is
    no motion. The kept frames keep every channel.

    Args:
        num_attention (int): Frames removed by attention. Defaults to 10.
        num_random (int): Frames removed at random next. Defaults to 10.
        coordinates (int, optional): Coordinate channels (the first of C);
            ``None`` (default) takes the sample's, else C.
        seed (int, optional): See :class:`SeededTransform`.
    """

    def __init__(self,
                 num_attention: int = 10,
                 num_random: int = 10,
                 coordinates: Optional[int] = None,
                 seed: Optional[int] = None) -> None:
        super().__init__(seed=seed)
        if num_attention < 0 or num_random < 0:
            raise ValueError('MotionAttentionTemporalMasking: num_attention '
                             'and num_random must be >= 0, got '
                             f'{num_attention} and {num_random}')
        self.num_attention = int(num_attention)
        self.num_random = int(num_random)
        self.coordinates = check_coordinates(
            coordinates, 'MotionAttentionTemporalMasking')

    def transform(self, results: Dict) -> Dict:
        """Cut ``results['keypoint']`` (M, T, V, C) to (M, T', V, C).

        Args:
            results (dict): The sample.

        Returns:
            dict: ``results`` with ``keypoint`` cut and ``kept_frames``
            (T',) int64 added, T' = T - num_attention - num_random.

        Raises:
            ValueError: T <= num_attention + num_random, or the coordinates
                exceed C or disagree.
        """
        keypoint = self._keypoint(results)
        num_channels = keypoint.shape[-1]
        num_coords = sample_coordinates(self.coordinates, results,
                                        num_channels, self._where(results))
        self._check_length(results, keypoint.shape[1],
                           self.num_attention + self.num_random)
        moving = keypoint if num_coords in (None, num_channels) else \
            keypoint[..., :num_coords]
        calm = lowest_motion_frames(moving, self.num_attention)
        keep = np.ones(len(calm), dtype=bool)
        keep[draw_without_replacement(self.rng, len(calm),
                                      self.num_random)] = False
        return self._keep(results, keypoint, calm[keep])

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(num_attention={self.num_attention}, '
                f'num_random={self.num_random}, '
                f'coordinates={self.coordinates}, seed={self.seed})')


@TRANSFORMS.register_module()
class RandomTemporalMasking(_TemporalMasking):
    """Random Temporal Masking (RTM): remove uniformly drawn frames.

    The frames left are kept in temporal order; the output keys are those of
    :class:`MotionAttentionTemporalMasking`.

    Args:
        num_removed (int): Frames removed. Defaults to 20.
        seed (int, optional): See :class:`SeededTransform`.
    """

    def __init__(self,
                 num_removed: int = 20,
                 seed: Optional[int] = None) -> None:
        super().__init__(seed=seed)
        if num_removed < 0:
            raise ValueError('RandomTemporalMasking: num_removed must be '
                             f'>= 0, got {num_removed}')
        self.num_removed = int(num_removed)

    def transform(self, results: Dict) -> Dict:
        """Cut ``results['keypoint']`` (M, T, V, C) to (M, T', V, C).

        Args:
            results (dict): The sample.

        Returns:
            dict: ``results`` with ``keypoint`` cut and ``kept_frames``
            (T',) int64 added, T' = T - num_removed.

        Raises:
            ValueError: T <= num_removed.
        """
        keypoint = self._keypoint(results)
        num_frames = keypoint.shape[1]
        self._check_length(results, num_frames, self.num_removed)
        removed = self.rng.choice(num_frames, size=self.num_removed,
                                  replace=False)
        return self._keep(results, keypoint,
                          np.delete(np.arange(num_frames), removed))

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(num_removed={self.num_removed}, '
                f'seed={self.seed})')
