"""The masks of PSTL: spatial (joints) and temporal (frames).

Spatial masks (:class:`CentralSpatialMasking`, :class:`RandomSpatialMasking`)
leave the coordinates alone and add ``results['joint_mask']``, a (V,) bool
array, True where a joint is removed; the encoder drops those joints.

Temporal masks (:class:`MotionAttentionTemporalMasking`,
:class:`RandomTemporalMasking`) remove frames: ``results['keypoint']``
(M, T, V, C) becomes (M, T', V, C), the kept frames in temporal order, and
``results['kept_frames']`` (T',) int64 holds their ascending indices.
"""
from abc import abstractmethod
from typing import Dict, Optional

import numpy as np
from mmaction.registry import TRANSFORMS

from pstl_mm.skeleton import get_layout
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


class _SpatialMasking(SeededTransform):
    """Base of the joint masks: checks V and writes ``joint_mask``.

    Args:
        num_masked (int): Joints to remove, ``0 <= num_masked < V``.
        layout (str): Skeleton layout name (:func:`get_layout`).
        seed (int, optional): See :class:`SeededTransform`.
    """

    def __init__(self, num_masked: int, layout: str,
                 seed: Optional[int]) -> None:
        super().__init__(seed=seed)
        self.layout = get_layout(layout)
        num_joints = self.layout.num_joints
        if not 0 <= num_masked < num_joints:
            raise ValueError(
                f'{type(self).__name__}: num_masked={num_masked} must be in '
                f'[0, {num_joints}) for layout {self.layout.name!r} '
                f'({num_joints} joints)')
        self.num_masked = int(num_masked)

    @abstractmethod
    def draw_joints(self) -> np.ndarray:
        """Draw the removed joints, (K,) int indices."""

    def transform(self, results: Dict) -> Dict:
        """Add ``results['joint_mask']`` (V,) bool, True = removed.

        Args:
            results (dict): The sample; ``keypoint`` (M, T, V, C) is read for
                its V only.

        Returns:
            dict: ``results`` with ``joint_mask`` set (replacing any).

        Raises:
            ValueError: V differs from the layout's number of joints.
        """
        self._keypoint(results, self.layout)
        num_joints = self.layout.num_joints
        mask = np.zeros(num_joints, dtype=bool)
        mask[self.draw_joints()] = True
        results['joint_mask'] = mask
        return results


@TRANSFORMS.register_module()
class CentralSpatialMasking(_SpatialMasking):
    """Central Spatial Masking (CSM): remove joints drawn by their degree.

    Joint i is drawn with probability ``p_i = d_i / sum_j d_j`` (d: degree in
    the skeleton graph, no self loop).

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
        num_masked (int): Joints removed in ``'paper'`` mode. Defaults to 9.
        mode (str): ``'paper'`` or ``'reference'``. Defaults to ``'paper'``.
        num_draws (int): Pool draws in ``'reference'`` mode. Defaults to 8.
        layout (str): Skeleton layout name. Defaults to ``'nturgb+d'``.
        seed (int, optional): See :class:`SeededTransform`.
    """

    MODES = ('paper', 'reference')

    def __init__(self,
                 num_masked: int = 9,
                 mode: str = 'paper',
                 num_draws: int = 8,
                 layout: str = 'nturgb+d',
                 seed: Optional[int] = None) -> None:
        super().__init__(num_masked=num_masked, layout=layout, seed=seed)
        if mode not in self.MODES:
            raise ValueError(f'CentralSpatialMasking: unknown mode {mode!r}; '
                             f'expected one of {self.MODES}')
        self.mode = mode
        degrees = self.layout.degrees
        if mode == 'paper' and num_masked and np.any(degrees <= 0):
            raise ValueError(
                f'CentralSpatialMasking: layout {self.layout.name!r} has '
                'joints of degree 0, which cannot be drawn')
        self.probs = degrees / degrees.sum()
        self.pool = np.repeat(np.arange(self.layout.num_joints), degrees)
        if mode == 'reference' and not 0 <= num_draws <= len(self.pool):
            raise ValueError(
                f'CentralSpatialMasking: num_draws={num_draws} must be in '
                f'[0, {len(self.pool)}] (the pool size of layout '
                f'{self.layout.name!r})')
        self.num_draws = int(num_draws)

    def draw_joints(self) -> np.ndarray:
        """Draw the removed joints, (K,) int indices (distinct)."""
        if self.mode == 'paper':
            return draw_without_replacement(self.rng, self.layout.num_joints,
                                            self.num_masked, self.probs)
        entries = self.rng.choice(
            len(self.pool), size=self.num_draws, replace=False)
        return np.unique(self.pool[entries])

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(num_masked={self.num_masked}, '
                f'mode={self.mode!r}, num_draws={self.num_draws}, '
                f'layout={self.layout.name!r}, seed={self.seed})')


@TRANSFORMS.register_module()
class RandomSpatialMasking(_SpatialMasking):
    """Random Spatial Masking (RSM): remove uniformly drawn distinct joints.

    Args:
        num_masked (int): Joints removed. Defaults to 9.
        layout (str): Skeleton layout name. Defaults to ``'nturgb+d'``.
        seed (int, optional): See :class:`SeededTransform`.
    """

    def __init__(self,
                 num_masked: int = 9,
                 layout: str = 'nturgb+d',
                 seed: Optional[int] = None) -> None:
        super().__init__(num_masked=num_masked, layout=layout, seed=seed)

    def draw_joints(self) -> np.ndarray:
        """Draw the removed joints, (K,) int indices (distinct)."""
        return self.rng.choice(
            self.layout.num_joints, size=self.num_masked, replace=False)

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(num_masked={self.num_masked}, '
                f'layout={self.layout.name!r}, seed={self.seed})')


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

    Args:
        num_attention (int): Frames removed by attention. Defaults to 10.
        num_random (int): Frames removed at random next. Defaults to 10.
        seed (int, optional): See :class:`SeededTransform`.
    """

    def __init__(self,
                 num_attention: int = 10,
                 num_random: int = 10,
                 seed: Optional[int] = None) -> None:
        super().__init__(seed=seed)
        if num_attention < 0 or num_random < 0:
            raise ValueError('MotionAttentionTemporalMasking: num_attention '
                             'and num_random must be >= 0, got '
                             f'{num_attention} and {num_random}')
        self.num_attention = int(num_attention)
        self.num_random = int(num_random)

    def transform(self, results: Dict) -> Dict:
        """Cut ``results['keypoint']`` (M, T, V, C) to (M, T', V, C).

        Args:
            results (dict): The sample.

        Returns:
            dict: ``results`` with ``keypoint`` cut and ``kept_frames``
            (T',) int64 added, T' = T - num_attention - num_random.

        Raises:
            ValueError: T <= num_attention + num_random.
        """
        keypoint = self._keypoint(results)
        self._check_length(results, keypoint.shape[1],
                           self.num_attention + self.num_random)
        calm = lowest_motion_frames(keypoint, self.num_attention)
        keep = np.ones(len(calm), dtype=bool)
        keep[draw_without_replacement(self.rng, len(calm),
                                      self.num_random)] = False
        return self._keep(results, keypoint, calm[keep])

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(num_attention={self.num_attention}, '
                f'num_random={self.num_random}, seed={self.seed})')


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
