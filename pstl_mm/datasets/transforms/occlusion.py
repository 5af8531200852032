"""Partial-body occlusion for evaluation (the paper's Tab.4 and Tab.5).

At test time ``level`` random joints, or ``level`` random body parts of the
layout's five, are hidden from a model trained on full skeletons, in one of
two modes:

* ``'zero'``: the coordinates (and ``keypoint_score``, if any) of the hidden
  joints are set to 0 in every frame and for every person, which is what a
  tracker that lost a joint gives;
* ``'drop'``: the coordinates are left alone and ``results['joint_mask']``
  (V,) bool, True = removed, asks the encoder to take the joints out of its
  computation (:class:`~pstl_mm.models.MaskableSTGCN` through
  :class:`~pstl_mm.models.MaskedRecognizerGCN`).
"""
import zlib
from typing import Dict, List, Optional

import numpy as np
from mmaction.registry import TRANSFORMS

from pstl_mm.skeleton import PART_NAMES, SkeletonLayout, get_layout
from .sample_layout import sample_layout
from .seeded import SeededTransform

KINDS = ('joints', 'parts')
MODES = ('zero', 'drop')


def _is_count(value) -> bool:
    """Whether ``value`` is an int >= 0 (bool excluded)."""
    return isinstance(value, (int, np.integer)) and not isinstance(
        value, bool) and value >= 0


@TRANSFORMS.register_module()
class PartialBodyOcclusion(SeededTransform):
    """Hide ``level`` random joints or body parts of every sample.

    The draw for a sample comes from a generator seeded by
    ``(seed, kind, level, repeat, sample_idx)``: it does not depend on the
    epoch, the worker, the loading order or the mode, so ``'zero'`` and
    ``'drop'`` hide the same joints of a sample for the same repeat (a
    paired comparison), and repeat r of a setting is the same in every run
    with the same seed. Without ``results['sample_idx']`` the draws continue
    one sequential stream seeded by ``(seed, kind, level, repeat)``,
    restarted by :meth:`set_setting`.

    ``kind='joints'``: ``level`` distinct joints drawn uniformly.
    ``kind='parts'``: ``level`` distinct parts of
    :data:`~pstl_mm.skeleton.PART_NAMES` drawn uniformly; the hidden joints
    are the union of their joints (``layout.parts``).

    Always added: ``results['occlusion'] = dict(kind, level, mode, repeat)``
    and ``results['occluded_joints']`` (sorted list of int); in ``'drop'``
    mode also ``results['joint_mask']`` (V,) bool, replacing any.

    The layout is the sample's (``results['layout']``, set by
    :class:`~pstl_mm.datasets.PSTLSkeletonDataset`) unless ``layout`` is
    given (see :func:`sample_layout`). A joint level the layout cannot take
    is refused by :meth:`set_setting` if the layout is given (or passed to
    :meth:`check_setting`), else at the first sample.

    Args:
        layout (str, optional): Skeleton layout name (:func:`get_layout`);
            ``None`` (default) takes the sample's.
        kind (str): ``'joints'`` or ``'parts'``. Defaults to ``'joints'``.
        level (int): Number of joints (or parts) hidden. Defaults to 0.
        mode (str): ``'zero'`` or ``'drop'``. Defaults to ``'zero'``.
        repeat (int): Index of the repeat (seeds a different draw).
            Defaults to 0.
        seed (int, optional): See :class:`SeededTransform`; ``None`` takes
            the run's seed.
    """

    # Its draws are keyed by the setting, not the epoch, also in a view.
    draws_from_view = False

    def __init__(self,
                 layout: Optional[str] = None,
                 kind: str = 'joints',
                 level: int = 0,
                 mode: str = 'zero',
                 repeat: int = 0,
                 seed: Optional[int] = None) -> None:
        super().__init__(seed=seed)
        self.layout = None if layout is None else get_layout(layout)
        self.set_setting(kind, level, mode, repeat)

    # ------------------------------------------------------------ setting

    def check_setting(self,
                      kind: str,
                      level: int,
                      mode: str,
                      repeat: int,
                      layout: Optional[str] = None) -> None:
        """Raise ``ValueError`` unless the setting is valid for the layout.

        Args:
            kind (str): ``'joints'`` or ``'parts'``.
            level (int): Joints (or parts) hidden, ``0 <= level < units``
                (25 joints / 5 parts on NTU): hiding every unit would remove
                every joint.
            mode (str): ``'zero'`` or ``'drop'``.
            repeat (int): Repeat index, ``>= 0``.
            layout (str, optional): The layout of the samples to come (e.g.
                the test dataset's); ``None``: the transform's own. Without
                either, the joints level is checked at the first sample.
        """
        name = type(self).__name__
        setting = (f'kind={kind!r}, level={level!r}, mode={mode!r}, '
                   f'repeat={repeat!r}')
        if kind not in KINDS:
            raise ValueError(f'{name}({setting}): unknown kind {kind!r}; '
                             f'expected one of {KINDS}')
        if mode not in MODES:
            raise ValueError(f'{name}({setting}): unknown mode {mode!r}; '
                             f'expected one of {MODES}')
        if not _is_count(level):
            raise ValueError(f'{name}({setting}): level must be an int '
                             f'>= 0, got {level!r}')
        if not _is_count(repeat):
            raise ValueError(f'{name}({setting}): repeat must be an int '
                             f'>= 0, got {repeat!r}')
        if layout is not None:
            layout = get_layout(layout)
        self._check_level(kind, level, layout or self.layout,
                          f'{name}({setting})')

    @staticmethod
    def _check_level(kind: str, level: int,
                     layout: Optional[SkeletonLayout], where: str) -> None:
        """Raise ``ValueError`` if ``level`` would hide every joint.

        Args:
            kind (str): ``'joints'`` or ``'parts'`` (the five of
                :data:`PART_NAMES`, whatever the layout).
            level (int): Joints (or parts) hidden.
            layout (SkeletonLayout, optional): The layout; ``None`` leaves
                a joints level unchecked.
            where (str): Prefix of the message.
        """
        if kind == 'parts':
            units, of = len(PART_NAMES), 'every layout has'
        elif layout is not None:
            units, of = layout.num_joints, f'layout {layout.name!r} has'
        else:
            return
        if level >= units:
            raise ValueError(f'{where} would remove every joint: {of} '
                             f'{units} {kind}, so level must be < {units}')

    def set_setting(self,
                    kind: str,
                    level: int,
                    mode: str,
                    repeat: int = 0) -> None:
        """Reconfigure in place (used by the partial-body test loop).

        Args:
            kind (str): ``'joints'`` or ``'parts'``.
            level (int): Joints (or parts) hidden.
            mode (str): ``'zero'`` or ``'drop'``.
            repeat (int): Repeat index. Defaults to 0.

        Raises:
            ValueError: The setting is invalid (see :meth:`check_setting`).
        """
        self.check_setting(kind, level, mode, repeat)
        self.kind = kind
        self.level = int(level)
        self.mode = mode
        self.repeat = int(repeat)
        self._sequential = None

    @property
    def setting(self) -> Dict:
        """The current ``dict(kind, level, mode, repeat)``."""
        return dict(
            kind=self.kind, level=self.level, mode=self.mode,
            repeat=self.repeat)

    def _entropy(self, sample_idx: Optional[int] = None) -> List[int]:
        """Seed entropy of the current setting and sample.

        The mode and the epoch are left out: both modes hide the same
        joints of a sample, in every epoch.
        """
        key = [
            self.seed,
            zlib.crc32(self.kind.encode()), self.level, self.repeat
        ]
        return key if sample_idx is None else key + [int(sample_idx)]

    # ------------------------------------------------------------ drawing

    def draw_joints(self, layout: Optional[SkeletonLayout] = None
                    ) -> np.ndarray:
        """Draw the hidden joints of one sample.

        Args:
            layout (SkeletonLayout, optional): The sample's layout; ``None``:
                the transform's own.

        Returns:
            np.ndarray: (K,) int64 sorted distinct joint indices; K = level
            for ``'joints'``, the joints of ``level`` parts for ``'parts'``.
        """
        layout = layout or self.layout
        if layout is None:
            raise ValueError(f'{type(self).__name__}.draw_joints: no layout '
                             '(give one, or the sample\'s)')
        if self.level == 0:
            return np.zeros(0, dtype=np.int64)
        if self.kind == 'joints':
            joints = self.rng.choice(
                layout.num_joints, size=self.level, replace=False)
        else:
            parts = self.rng.choice(
                len(PART_NAMES), size=self.level, replace=False)
            joints = np.concatenate(
                [layout.parts[PART_NAMES[p]] for p in parts])
        return np.sort(np.asarray(joints, dtype=np.int64))

    def transform(self, results: Dict) -> Dict:
        """Hide the drawn joints of ``results['keypoint']`` (M, T, V, C).

        Args:
            results (dict): The sample.

        Returns:
            dict: ``results`` with ``occlusion``, ``occluded_joints`` and,
            in ``'zero'`` mode, the hidden joints of ``keypoint`` (and
            ``keypoint_score`` (M, T, V), if present) set to 0, or, in
            ``'drop'`` mode, ``joint_mask`` (V,) bool.

        Raises:
            ValueError: No layout (neither given nor in the sample), V
                differs from the layout's number of joints, or the level
                would hide every joint of the layout.
        """
        where = self._where(results)
        layout = sample_layout(self.layout, results, where)
        keypoint = self._keypoint(results, layout)
        self._check_level(self.kind, self.level, layout,
                          f'{where}: {self.setting}')
        joints = self.draw_joints(layout)
        if self.mode == 'zero':
            if len(joints):
                keypoint = keypoint.copy()
                keypoint[:, :, joints] = 0
                if 'keypoint_score' in results:
                    score = np.array(results['keypoint_score'], copy=True)
                    score[:, :, joints] = 0
                    results['keypoint_score'] = score
            results['keypoint'] = keypoint
        else:
            mask = np.zeros(layout.num_joints, dtype=bool)
            mask[joints] = True
            results['joint_mask'] = mask
        results['occlusion'] = self.setting
        results['occluded_joints'] = joints.tolist()
        return results

    def __repr__(self) -> str:
        layout = None if self.layout is None else self.layout.name
        return (f'{type(self).__name__}(layout={layout!r}, '
                f'kind={self.kind!r}, level={self.level}, '
                f'mode={self.mode!r}, repeat={self.repeat}, '
                f'seed={self.seed})')
