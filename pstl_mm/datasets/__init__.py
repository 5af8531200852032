from .skeleton_dataset import (PSTLSkeletonDataset, SkeletonDataError,
                               stream_transforms)
from .transforms import *  # noqa: F401,F403

__all__ = ['PSTLSkeletonDataset', 'SkeletonDataError', 'stream_transforms']
