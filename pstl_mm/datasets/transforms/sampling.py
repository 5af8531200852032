"""MMAction2's uniform frame sampling, drawing from a seeded generator."""
from typing import Optional

import numpy as np
from mmaction.datasets.transforms import UniformSampleFrames
from mmaction.registry import TRANSFORMS

from .seeded import SeededTransform


@TRANSFORMS.register_module()
class PSTLUniformSampleFrames(SeededTransform, UniformSampleFrames):
    """MMAction2's ``UniformSampleFrames`` (training mode), seeded.

    Picks ``clip_len`` frame indices of a clip of ``total_frames`` frames,
    as MMAction2's transform does in training: a clip shorter than
    ``clip_len`` is read from a random start and looped; one of up to twice
    ``clip_len`` frames loses ``total_frames - clip_len`` randomly chosen
    gaps; a longer one is cut into ``clip_len`` equal segments and one frame
    is drawn in each. It writes ``frame_inds`` (clip_len * num_clips,)
    int32, ``clip_len``, ``frame_interval`` and ``num_clips``;
    MMAction2's ``PoseDecode`` then takes those frames of ``keypoint`` (M,
    T, V, C) and ``keypoint_score`` (M, T, V).

    MMAction2's training mode draws from numpy's global generator; this
    one draws the same distribution from its own (:class:`SeededTransform`:
    keyed by the seed, the epoch and the sample), so the frames of a sample
    depend on nothing else. Used by the pretraining configs on MMAction2's
    2-D pickles, whose clips have any length, to give :class:`MultiView`
    its 50 frames. For test pipelines use MMAction2's
    ``UniformSampleFrames(test_mode=True)``, which is deterministic.

    Args:
        clip_len (int): Frames of each sampled clip.
        num_clips (int): Clips sampled. Defaults to 1.
        seed (int, optional): See :class:`SeededTransform`.
    """

    def __init__(self,
                 clip_len: int,
                 num_clips: int = 1,
                 seed: Optional[int] = None) -> None:
        if clip_len < 1 or num_clips < 1:
            raise ValueError('PSTLUniformSampleFrames: clip_len and '
                             'num_clips must be >= 1, got '
                             f'{clip_len} and {num_clips}')
        UniformSampleFrames.__init__(
            self, clip_len, num_clips=num_clips, test_mode=False)
        # Sets self.seed (the generator's), replacing the test-mode seed.
        SeededTransform.__init__(self, seed=seed)

    def _get_train_clips(self, num_frames: int, clip_len: int) -> np.ndarray:
        """Indices of ``num_clips`` training clips, MMAction2's rule.

        Args:
            num_frames (int): T, frames of the clip, ``>= 1``.
            clip_len (int): Frames per sampled clip.

        Returns:
            np.ndarray: (clip_len * num_clips,) int64 indices, possibly
            ``>= T`` for a short clip (the caller takes them modulo T).
        """
        rng = self.rng
        all_inds = []
        for _ in range(self.num_clips):
            if num_frames < clip_len:
                start = int(rng.integers(0, num_frames))
                inds = np.arange(start, start + clip_len)
            elif num_frames < 2 * clip_len:
                gaps = rng.choice(
                    clip_len + 1, num_frames - clip_len, replace=False)
                offset = np.zeros(clip_len + 1, dtype=np.int64)
                offset[gaps] = 1
                inds = np.arange(clip_len) + np.cumsum(offset)[:-1]
            else:
                bounds = np.arange(clip_len + 1) * num_frames // clip_len
                inds = bounds[:-1] + rng.integers(np.diff(bounds))
            all_inds.append(inds)
        return np.concatenate(all_inds)

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(clip_len={self.clip_len}, '
                f'num_clips={self.num_clips}, seed={self.seed})')
