"""The CrosSCLR/AimCLR preprocessing as a pipeline transform."""
from typing import Dict

import numpy as np
from mmaction.registry import TRANSFORMS
from mmcv.transforms import BaseTransform

from ...skeleton import CLIP_LENGTH
from ..aimclr import aimclr_position


@TRANSFORMS.register_module()
class AimCLRPreprocess(BaseTransform):
    """Raw clips of any length -> the AimCLR positions PSTL trains on.

    Applies :func:`~pstl_mm.datasets.aimclr.aimclr_position` (length rule,
    per-body centring on joint 21, prefix resize, per-frame y rotation with
    one sign per sequence) to ``results['keypoint']``, so that MMAction2's
    own skeleton pickles (``ntu60_3d.pkl``, ``ntu120_3d.pkl``: raw
    coordinates in metres, (M, T, 25, 3), T varying) feed the pretraining
    pipeline directly. Deterministic: it draws nothing. Persons are padded
    with zeros or cut to ``num_person`` first (AimCLR's two body slots).

    Sets ``keypoint`` (num_person, num_frames, 25, 3) float32,
    ``total_frames`` = ``num_frames`` and ``original_frames`` = the AimCLR
    length of the clip.

    Args:
        num_frames (int): Output length. Defaults to
            :data:`~pstl_mm.skeleton.CLIP_LENGTH`.
        num_person (int): Body slots. Defaults to 2.
    """

    def __init__(self,
                 num_frames: int = CLIP_LENGTH,
                 num_person: int = 2) -> None:
        if num_frames < 1 or num_person < 1:
            raise ValueError(f'AimCLRPreprocess: num_frames and num_person '
                             f'must be >= 1, got {num_frames}, {num_person}')
        self.num_frames = int(num_frames)
        self.num_person = int(num_person)

    def transform(self, results: Dict) -> Dict:
        """Preprocess ``results['keypoint']`` (M, T, 25, 3).

        Args:
            results (dict): The sample.

        Returns:
            dict: ``results`` with ``keypoint`` (num_person, num_frames, 25,
            3), ``total_frames`` and ``original_frames`` replaced.

        Raises:
            ValueError: naming the sample: ``keypoint`` is not (M, T, 25, 3)
                or joint 0 of body 0 is zero in every frame.
        """
        name = results.get('frame_dir', '<unnamed>')
        keypoint = np.asarray(results.get('keypoint'))
        if keypoint.ndim != 4 or keypoint.shape[2:] != (25, 3):
            raise ValueError(f'AimCLRPreprocess on sample {name!r}: keypoint '
                             f'must be (M, T, 25, 3), got {keypoint.shape}')
        m = keypoint.shape[0]
        slots = np.zeros((self.num_person, ) + keypoint.shape[1:],
                         np.float32)
        slots[:min(m, self.num_person)] = keypoint[:self.num_person]
        try:
            position, length = aimclr_position(slots, self.num_frames)
        except ValueError as err:
            raise ValueError(f'AimCLRPreprocess on sample {name!r}: '
                             f'{err}') from None
        results['keypoint'] = position
        results['total_frames'] = self.num_frames
        results['original_frames'] = length
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(num_frames={self.num_frames}, '
                f'num_person={self.num_person})')
