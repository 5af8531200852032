"""Data transforms of PSTL, registered in MMAction2's ``TRANSFORMS``.

The joint, bone and motion streams use MMAction2's own ``JointToBone`` and
``ToMotion``, which match the reference code exactly (tests/datasets/transforms/test_streams.py).

MMAction2's 2-D skeletons (keypoints in pixels with a score) go through
MMAction2's own ``PreNormalize2D``, ``GenSkeFeat`` (the score as a third
channel) and ``PoseDecode``, with :class:`PSTLUniformSampleFrames` (its
``UniformSampleFrames``, seeded) between them; the augmentations and masks
here then act on the coordinate channels only (:mod:`.coordinates`).
"""
from .aimclr_preprocess import AimCLRPreprocess
from .augment import (SkeletonFlip, SkeletonRotate, SkeletonShear,
                      TemporalPadCrop)
from .coordinates import sample_coordinates
from .formatting import PSTLFormatGCNInput
from .masking import (CentralSpatialMasking, MotionAttentionTemporalMasking,
                      RandomSpatialMasking, RandomTemporalMasking)
from .occlusion import PartialBodyOcclusion
from .pack_views import PackViews
from .sample_layout import sample_layout
from .sampling import PSTLUniformSampleFrames
from .seeded import SeededTransform
from .views import MultiView
from .walk import iter_transforms

__all__ = [
    'SeededTransform',
    # aimclr_preprocess.py
    'AimCLRPreprocess',
    # augment.py
    'TemporalPadCrop',
    'SkeletonShear',
    'SkeletonRotate',
    'SkeletonFlip',
    # masking.py
    'CentralSpatialMasking',
    'RandomSpatialMasking',
    'MotionAttentionTemporalMasking',
    'RandomTemporalMasking',
    # views.py
    'MultiView',
    # pack_views.py
    'PackViews',
    # walk.py
    'iter_transforms',
    # occlusion.py
    'PartialBodyOcclusion',
    # formatting.py
    'PSTLFormatGCNInput',
    # sample_layout.py
    'sample_layout',
    # coordinates.py
    'sample_coordinates',
    # sampling.py
    'PSTLUniformSampleFrames',
]
