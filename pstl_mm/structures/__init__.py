"""Data structures shared by the data pipeline and the models."""
from .skeleton_views import (JOINT_MASK, KEPT_JOINTS, KEYPOINT, RAGGED,
                             VIEW_FIELDS, KeptJoints, batch_joint_masks,
                             batch_view, check_kept_joints, check_views,
                             kept_joints, mask_arguments)

__all__ = [
    'JOINT_MASK', 'KEPT_JOINTS', 'KEYPOINT', 'RAGGED', 'VIEW_FIELDS',
    'KeptJoints', 'batch_joint_masks', 'batch_view', 'check_kept_joints',
    'check_views', 'kept_joints', 'mask_arguments'
]
