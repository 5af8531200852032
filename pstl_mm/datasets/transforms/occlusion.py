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

from pstl_mm.skeleton import PART_NAMES, get_layout
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

    Args:
        layout (str): Skeleton layout name (:func:`get_layout`).
            Defaults to ``'nturgb+d'``.
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
                 layout: str = 'nturgb+d',
                 kind: str = 'joints',
                 level: int = 0,
                 mode: str = 'zero',
                 repeat: int = 0,
                 seed: Optional[int] = None) -> None:
        super().__init__(seed=seed)
        self.layout = get_layout(layout)
        self.set_setting(kind, level, mode, repeat)

    # ------------------------------------------------------------ setting

    def check_setting(self, kind: str, level: int, mode: str,
                      repeat: int) -> None:
        """Raise ``ValueError`` unless the setting is valid for the layout.

        Args:
            kind (str): ``'joints'`` or ``'parts'``.
            level (int): Joints (or parts) hidden, ``0 <= level < units``
                (25 joints / 5 parts on NTU): hiding every unit would remove
                every joint.
            mode (str): ``'zero'`` or ``'drop'``.
            repeat (int): Repeat index, ``>= 0``.
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
        units = self.num_units(kind)
        if level >= units:
            raise ValueError(
                f'{name}({setting}) would remove every joint: layout '
                f'{self.layout.name!r} has {units} {kind}, so level must be '
                f'< {units}')

    def num_units(self, kind: str) -> int:
        """Number of joints (``'joints'``) or parts (``'parts'``)."""
        return self.layout.num_joints if kind == 'joints' else len(PART_NAMES)

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

    def draw_joints(self) -> np.ndarray:
        """Draw the hidden joints of one sample.

        Returns:
            np.ndarray: (K,) int64 sorted distinct joint indices; K = level
            for ``'joints'``, the joints of ``level`` parts for ``'parts'``.
        """
        if self.level == 0:
            return np.zeros(0, dtype=np.int64)
        if self.kind == 'joints':
            joints = self.rng.choice(
                self.layout.num_joints, size=self.level, replace=False)
        else:
            parts = self.rng.choice(
                len(PART_NAMES), size=self.level, replace=False)
            joints = np.concatenate(
                [self.layout.parts[PART_NAMES[p]] for p in parts])
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
            ValueError: V differs from the layout's number of joints.
        """
        keypoint = self._keypoint(results, self.layout)
        num_joints = self.layout.num_joints
        joints = self.draw_joints()
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
            mask = np.zeros(num_joints, dtype=bool)
            mask[joints] = True
            results['joint_mask'] = mask
        results['occlusion'] = self.setting
        results['occluded_joints'] = joints.tolist()
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(layout={self.layout.name!r}, '
                f'kind={self.kind!r}, level={self.level}, '
                f'mode={self.mode!r}, repeat={self.repeat}, '
                f'seed={self.seed})')
