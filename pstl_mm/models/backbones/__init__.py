from .maskable_stgcn import MaskableSTGCN
from .masked_backbone import MaskedBackbone, graph_layout
from .skeleton_encoder import SkeletonEncoder, pool_kept_joints

__all__ = [
    'MaskableSTGCN', 'MaskedBackbone', 'SkeletonEncoder', 'graph_layout',
    'pool_kept_joints'
]
