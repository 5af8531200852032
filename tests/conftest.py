"""Shared fixtures and helpers: the reference tensors of the authors' code,
building and applying MMAction2 transforms to random skeleton samples."""
import os
from pathlib import Path

import numpy as np
import pytest
import torch

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DIR = Path(os.environ.get('PSTL_SHARED_DIR', REPO_ROOT.parent / 'shared'))
REFERENCE_DIR = SHARED_DIR / 'reference'
REFERENCE_FILE = REFERENCE_DIR / 'official_vectors.pt'


@pytest.fixture(scope='session')
def reference():
    """The dict of ``official_vectors.pt``; skips when it is absent."""
    if not REFERENCE_FILE.exists():
        pytest.skip(f'reference vectors not found at {REFERENCE_FILE} '
                    '(set PSTL_SHARED_DIR to the folder holding reference/)')
    return torch.load(REFERENCE_FILE, map_location='cpu', weights_only=True)


def build(cfg: dict):
    """Build ``cfg`` from MMAction2's registry, whatever scope is current.

    Args:
        cfg (dict): A transform config (``type`` and arguments).

    Returns:
        The transform.
    """
    from mmaction.registry import TRANSFORMS
    from mmengine.registry import DefaultScope

    with DefaultScope.overwrite_default_scope('mmaction'):
        return TRANSFORMS.build(cfg)


def make_sample(m: int = 2, t: int = 50, v: int = 25, c: int = 3,
                seed: int = 0, name: str = 'S001C001P001R001A001') -> dict:
    """A sample dict with a random normal keypoint array.

    Args:
        m (int): Persons.
        t (int): Frames.
        v (int): Joints.
        c (int): Coordinates.
        seed (int): Seed of the keypoints.
        name (str): ``frame_dir``.

    Returns:
        dict: ``keypoint`` (m, t, v, c) float32, ``frame_dir`` and
        ``label`` 3.
    """
    rng = np.random.default_rng(seed)
    keypoint = rng.normal(size=(m, t, v, c)).astype(np.float32)
    return dict(keypoint=keypoint, frame_dir=name, label=3)


def run(transform, sample: dict) -> dict:
    """Apply ``transform`` to a copy of ``sample``; return the result.

    Args:
        transform (callable): The transform.
        sample (dict): Left unchanged (its keypoint array is copied).

    Returns:
        dict: The transformed copy.
    """
    copy = dict(sample)
    copy['keypoint'] = sample['keypoint'].copy()
    return transform(copy)


# NTU joint feeding each Kinect v1 joint (hip_center <- spine_base, spine <-
# spine_mid, shoulder_center <- spine_shoulder, the limbs one to one).
NTU_TO_KINECT_V1 = [0, 1, 20, 3] + list(range(4, 20))


def write_annotations(path, per_class: int, seed: int,
                      layout: str = 'nturgb+d',
                      split_names=('xsub', 'xview', 'xset')) -> str:
    """A synthetic annotation pickle in the converters' format.

    Every split name ``<benchmark>_train`` / ``<benchmark>_val`` lists all
    clips. ``kinect_v1`` clips are the NTU synthetic actions on the 20
    Kinect v1 joints, one person.
    """
    import pickle

    from pstl_mm.datasets.synthetic import make_synthetic_annotations
    anns = make_synthetic_annotations(per_class, seed=seed)
    if layout == 'kinect_v1':
        for ann in anns:
            ann['keypoint'] = np.ascontiguousarray(
                ann['keypoint'][:1, :, NTU_TO_KINECT_V1])
    names = [a['frame_dir'] for a in anns]
    split = {f'{b}_{p}': names for b in split_names for p in ('train', 'val')}
    Path(path).write_bytes(pickle.dumps(dict(split=split, annotations=anns)))
    return str(path)
