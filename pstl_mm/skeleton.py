"""Skeleton layouts, one table per layout, and the clip length.

Every table gives, 0-based:

* ``joint_names``: the V joint names in the order the data stores them;
* ``parents``: the parent of each joint (the bone ``b_v = x_v - x_parent(v)``;
  the root is its own parent);
* ``center``: the centre joint of the ST-GCN spatial partition;
* ``flip_order``: the joint order after swapping left and right;
* ``parts``: five body parts ``left_arm, right_arm, left_leg, right_leg,
  torso`` that partition the joints;
* ``num_masked``: the joints the spatial masks (CSM, RSM) remove by
  default: the paper's 9 of NTU's 25, the same share (about 36 %) of the
  other layouts.

Edges and degrees are derived from ``parents``. :func:`get_layout` returns a
:class:`SkeletonLayout`, and :func:`graph_adjacency` builds the ST-GCN spatial
adjacency with MMAction2's own :class:`~mmaction.models.utils.Graph`.

:data:`CLIP_LENGTH` is the number of frames T of a clip as the converters
write it and as pretraining takes it: the default of every ``num_frames``.
"""
from dataclasses import dataclass, field
from typing import Dict, List, Tuple

import numpy as np

PART_NAMES = ('left_arm', 'right_arm', 'left_leg', 'right_leg', 'torso')

#: Frames T of a clip: what the converters write (``--num-frames``), what
#: :class:`~pstl_mm.datasets.transforms.AimCLRPreprocess` resizes to and
#: what the pretraining views expect (the paper's T = 50).
CLIP_LENGTH = 50


@dataclass(frozen=True)
class SkeletonLayout:
    """A skeleton layout.

    Args:
        name (str): Layout name, e.g. ``'nturgb+d'``.
        joint_names (tuple[str]): V joint names in storage order.
        parents (tuple[int]): Parent joint of every joint (root: itself).
        center (int): Centre joint of the ST-GCN spatial partition.
        flip_order (tuple[int]): Joint order after a left/right swap.
        parts (dict[str, tuple[int]]): The five body parts of
            :data:`PART_NAMES`, a partition of the joints.
        num_masked (int): Joints removed by the spatial masks (CSM, RSM)
            unless a config says otherwise, ``0 <= num_masked < V``.
    """

    name: str
    joint_names: Tuple[str, ...]
    parents: Tuple[int, ...]
    center: int
    flip_order: Tuple[int, ...]
    parts: Dict[str, Tuple[int, ...]] = field(hash=False)
    num_masked: int

    @property
    def num_joints(self) -> int:
        """Number of joints V."""
        return len(self.joint_names)

    @property
    def edges(self) -> List[Tuple[int, int]]:
        """Bones as ``(child, parent)`` pairs, self loops excluded."""
        return [(v, p) for v, p in enumerate(self.parents) if v != p]

    @property
    def degrees(self) -> np.ndarray:
        """Degree of every joint in the skeleton graph (no self loop), (V,)."""
        deg = np.zeros(self.num_joints, dtype=np.int64)
        for v, p in self.edges:
            deg[v] += 1
            deg[p] += 1
        return deg

    def validate(self) -> None:
        """Check the table is self-consistent; raise ``ValueError`` if not."""
        v = self.num_joints
        where = f'skeleton layout {self.name!r}'
        if len(self.parents) != v or len(self.flip_order) != v:
            raise ValueError(f'{where}: parents/flip_order must have {v} '
                             'entries')
        if sorted(self.flip_order) != list(range(v)):
            raise ValueError(f'{where}: flip_order is not a permutation')
        flip = np.asarray(self.flip_order)
        if not np.array_equal(flip[flip], np.arange(v)):
            raise ValueError(f'{where}: flip_order is not an involution')
        if tuple(self.parts) != PART_NAMES:
            raise ValueError(f'{where}: parts must be {PART_NAMES}')
        joints = sorted(j for part in self.parts.values() for j in part)
        if joints != list(range(v)):
            raise ValueError(f'{where}: parts do not partition the joints')
        if not 0 <= self.center < v:
            raise ValueError(f'{where}: bad centre joint')
        if not 0 <= self.num_masked < v:
            raise ValueError(f'{where}: num_masked must be in [0, {v})')
        # Every joint must reach the root by following parents.
        for j in range(v):
            seen = set()
            while self.parents[j] != j:
                if j in seen:
                    raise ValueError(f'{where}: parents contain a cycle')
                seen.add(j)
                j = self.parents[j]


def _from_one_based_pairs(num_joints: int,
                          pairs: List[Tuple[int, int]]) -> Tuple[int, ...]:
    """Parents from 1-based ``(child, parent)`` bone pairs."""
    parents = list(range(num_joints))
    for child, parent in pairs:
        parents[child - 1] = parent - 1
    return tuple(parents)


# NTU RGB+D (Kinect v2, 25 joints). Bone pairs as in ST-GCN and the paper
# (1-based, (child, parent)); joint 21 (spine shoulder) is the root/centre.
_NTU_BONES = [(1, 2), (2, 21), (3, 21), (4, 3), (5, 21), (6, 5), (7, 6),
              (8, 7), (9, 21), (10, 9), (11, 10), (12, 11), (13, 1), (14, 13),
              (15, 14), (16, 15), (17, 1), (18, 17), (19, 18), (20, 19),
              (21, 21), (22, 23), (23, 8), (24, 25), (25, 12)]

NTU_RGBD = SkeletonLayout(
    name='nturgb+d',
    joint_names=('spine_base', 'spine_mid', 'neck', 'head', 'shoulder_left',
                 'elbow_left', 'wrist_left', 'hand_left', 'shoulder_right',
                 'elbow_right', 'wrist_right', 'hand_right', 'hip_left',
                 'knee_left', 'ankle_left', 'foot_left', 'hip_right',
                 'knee_right', 'ankle_right', 'foot_right', 'spine_shoulder',
                 'hand_tip_left', 'thumb_left', 'hand_tip_right',
                 'thumb_right'),
    parents=_from_one_based_pairs(25, _NTU_BONES),
    center=20,
    flip_order=(0, 1, 2, 3, 8, 9, 10, 11, 4, 5, 6, 7, 16, 17, 18, 19, 12, 13,
                14, 15, 20, 23, 24, 21, 22),
    # The paper's part names, which are mirrored with respect to the joint
    # names of the NTU documentation (its "left arm" holds the joints NTU
    # calls right): kept as the paper defines them.
    parts={
        'left_arm': (8, 9, 10, 11, 23, 24),
        'right_arm': (4, 5, 6, 7, 21, 22),
        'left_leg': (16, 17, 18, 19),
        'right_leg': (12, 13, 14, 15),
        'torso': (0, 1, 2, 3, 20),
    },
    num_masked=9,
)

# Kinect v1 (NW-UCLA, MSR Action3D order, 20 joints). Root/centre: the
# shoulder centre, the counterpart of NTU's spine shoulder.
KINECT_V1 = SkeletonLayout(
    name='kinect_v1',
    joint_names=('hip_center', 'spine', 'shoulder_center', 'head',
                 'shoulder_left', 'elbow_left', 'wrist_left', 'hand_left',
                 'shoulder_right', 'elbow_right', 'wrist_right', 'hand_right',
                 'hip_left', 'knee_left', 'ankle_left', 'foot_left',
                 'hip_right', 'knee_right', 'ankle_right', 'foot_right'),
    parents=_from_one_based_pairs(20, [(1, 2), (2, 3), (4, 3), (5, 3), (6, 5),
                                       (7, 6), (8, 7), (9, 3), (10, 9),
                                       (11, 10), (12, 11), (13, 1), (14, 13),
                                       (15, 14), (16, 15), (17, 1), (18, 17),
                                       (19, 18), (20, 19)]),
    center=2,
    flip_order=(0, 1, 2, 3, 8, 9, 10, 11, 4, 5, 6, 7, 16, 17, 18, 19, 12, 13,
                14, 15),
    parts={
        'left_arm': (4, 5, 6, 7),
        'right_arm': (8, 9, 10, 11),
        'left_leg': (12, 13, 14, 15),
        'right_leg': (16, 17, 18, 19),
        'torso': (0, 1, 2, 3),
    },
    num_masked=7,
)

# COCO 17 keypoints (2D pose estimators). Bones as MMAction2's Graph; the
# nose is the root/centre.
COCO = SkeletonLayout(
    name='coco',
    joint_names=('nose', 'eye_left', 'eye_right', 'ear_left', 'ear_right',
                 'shoulder_left', 'shoulder_right', 'elbow_left',
                 'elbow_right', 'wrist_left', 'wrist_right', 'hip_left',
                 'hip_right', 'knee_left', 'knee_right', 'ankle_left',
                 'ankle_right'),
    parents=(0, 0, 0, 1, 2, 0, 0, 5, 6, 7, 8, 5, 6, 11, 12, 13, 14),
    center=0,
    flip_order=(0, 2, 1, 4, 3, 6, 5, 8, 7, 10, 9, 12, 11, 14, 13, 16, 15),
    parts={
        'left_arm': (5, 7, 9),
        'right_arm': (6, 8, 10),
        'left_leg': (11, 13, 15),
        'right_leg': (12, 14, 16),
        'torso': (0, 1, 2, 3, 4),
    },
    num_masked=6,
)

LAYOUTS: Dict[str, SkeletonLayout] = {
    layout.name: layout
    for layout in (NTU_RGBD, KINECT_V1, COCO)
}


def get_layout(name: str) -> SkeletonLayout:
    """Return the layout called ``name``.

    Raises:
        ValueError: ``name`` is not a known layout.
    """
    if isinstance(name, SkeletonLayout):
        return name
    try:
        return LAYOUTS[name]
    except KeyError:
        raise ValueError(f'unknown skeleton layout {name!r}; known layouts: '
                         f'{sorted(LAYOUTS)}') from None


def graph_adjacency(name: str) -> np.ndarray:
    """ST-GCN spatial-partition adjacency of a layout.

    The graph of ST-GCN (and of PSTL): max hop 1, the three subsets root /
    closer to the centre / further from it, each normalised as ``A D^-1``
    with self loops. Built by MMAction2's ``Graph(mode='stgcn_spatial')``.

    Returns:
        np.ndarray: (3, V, V) float32 adjacency.
    """
    from mmaction.models.utils import Graph
    layout = get_layout(name)
    graph = Graph(
        layout=dict(
            num_node=layout.num_joints,
            inward=layout.edges,
            center=layout.center),
        mode='stgcn_spatial',
        max_hop=1)
    return graph.A.astype(np.float32)


for _layout in LAYOUTS.values():
    _layout.validate()
