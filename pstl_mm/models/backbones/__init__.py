from .maskable_stgcn import MaskableSTGCN
from .skeleton_encoder import SkeletonEncoder, pool_kept_joints

__all__ = ['MaskableSTGCN', 'SkeletonEncoder', 'pool_kept_joints']
