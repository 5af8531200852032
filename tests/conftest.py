"""Shared fixtures and helpers: the files of the shared folder (the
reference tensors of the authors' code, real raw samples), building and
applying MMAction2 transforms to random skeleton samples, tiny pretraining
configs, building runners as the tools do, and launching processes (free
ports, timeouts)."""
import os
import signal
import socket
import subprocess
from pathlib import Path
from typing import Optional, Tuple

import numpy as np
import pytest
import torch

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DIR = Path(os.environ.get('PSTL_SHARED_DIR', REPO_ROOT.parent / 'shared'))
REFERENCE_DIR = SHARED_DIR / 'reference'
REFERENCE_FILE = REFERENCE_DIR / 'official_vectors.pt'
CONFIG_DIR = REPO_ROOT / 'configs' / 'pstl'
#: Set to 1 (``.ci/run`` does), a missing shared file fails the test.
REQUIRE_SHARED = 'PSTL_REQUIRE_SHARED'
#: How :func:`need_shared`'s skip reasons end (what the summary counts).
SHARED_HINT = ('not found (set PSTL_SHARED_DIR to the folder holding data/ '
               'and reference/)')


def need_shared(path) -> Path:
    """A file or folder of the shared folder, which the test needs.

    Args:
        path (str or Path): Under :data:`SHARED_DIR`.

    Returns:
        Path: ``path``, when it exists.

    Raises:
        pytest.skip.Exception: it is absent (the test is skipped, saying
            why), unless the environment variable :data:`REQUIRE_SHARED`
            is set to anything but ``0``: then
        pytest.fail.Exception: the test fails.
    """
    path = Path(path)
    if path.exists():
        return path
    why = f'{path} {SHARED_HINT}'
    if os.environ.get(REQUIRE_SHARED, '0') not in ('', '0'):
        pytest.fail(f'{why}; {REQUIRE_SHARED} is set, so a missing shared '
                    'file fails the suite', pytrace=False)
    pytest.skip(why)


def pytest_terminal_summary(terminalreporter):
    """One line for the tests skipped for want of the shared files.

    Says how many, in which test files, which files were missing, and how
    to run them (or to fail on them: ``PSTL_REQUIRE_SHARED=1``).
    """
    skipped = []
    for report in terminalreporter.stats.get('skipped', []):
        longrepr = report.longrepr
        reason = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
        if reason.endswith(SHARED_HINT):
            missing = reason[len('Skipped: '):-len(SHARED_HINT)].strip()
            skipped.append((report.nodeid.split('::')[0], missing))
    if not skipped:
        return
    files = sorted({nodeid for nodeid, _ in skipped})
    missing = sorted({path for _, path in skipped})
    terminalreporter.write_line(
        f'{len(skipped)} tests skipped for want of the shared files '
        f'({", ".join(files)}): {", ".join(missing)} not found; set '
        'PSTL_SHARED_DIR to the folder holding data/ and reference/ to run '
        'them, PSTL_REQUIRE_SHARED=1 to fail on them')


@pytest.fixture(scope='session')
def reference():
    """The dict of ``official_vectors.pt`` (see :func:`need_shared`)."""
    need_shared(REFERENCE_FILE)
    return torch.load(REFERENCE_FILE, map_location='cpu', weights_only=True)


@pytest.fixture
def no_cuda(monkeypatch):
    """Make a GPU machine look like a CPU-only one to torch and mmengine."""
    import mmengine.device.utils
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: False)
    monkeypatch.setattr(mmengine.device.utils, 'DEVICE', 'cpu')


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
                seed: int = 0, name: str = 'S001C001P001R001A001',
                layout: Optional[str] = 'nturgb+d') -> dict:
    """A sample dict with a random normal keypoint array.

    Args:
        m (int): Persons.
        t (int): Frames.
        v (int): Joints.
        c (int): Coordinates.
        seed (int): Seed of the keypoints.
        name (str): ``frame_dir``.
        layout (str, optional): ``layout``, as PSTLSkeletonDataset writes
            it; ``None`` leaves the key out.

    Returns:
        dict: ``keypoint`` (m, t, v, c) float32, ``frame_dir``, ``label`` 3
        and ``layout``.
    """
    rng = np.random.default_rng(seed)
    keypoint = rng.normal(size=(m, t, v, c)).astype(np.float32)
    sample = dict(keypoint=keypoint, frame_dir=name, label=3)
    if layout is not None:
        sample['layout'] = layout
    return sample


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


def make_views(n: int, frames: int = 16, removed: int = 9,
               seed: int = 0) -> dict:
    """PSTL's input views of ``n`` random two-person NTU sequences.

    Args:
        n (int): Samples.
        frames (int): Frames of the anchor and spatial views; the temporal
            view keeps ``frames * 5 // 8`` of them.
        removed (int): Joints removed per sample in the spatial view.
        seed (int): Seed of every draw.

    Returns:
        dict: Batched views of :mod:`pstl_mm.structures.skeleton_views`, as
        ``ViewsDataPreprocessor`` gives them: ``anchor`` (n, 2, frames, 25,
        3); ``spatial``, a dict: ``keypoint`` (n, 2, frames, 25, 3), the
        anchor reversed in time, rescaled and zero where ``joint_mask``
        (n, 25) bool, a different set of ``removed`` joints per sample, is
        True, and the mask's ``kept_joints``; ``temporal`` (n, 2,
        frames * 5 // 8, 25, 3), some of the anchor's frames, rescaled.
    """
    from pstl_mm.structures import batch_view
    g = torch.Generator().manual_seed(seed)
    anchor = torch.randn(n, 2, frames, 25, 3, generator=g)
    order = torch.rand(n, 25, generator=g).argsort(dim=1)
    mask = torch.zeros(n, 25, dtype=torch.bool)
    mask.scatter_(1, order[:, :removed], True)
    spatial = 1.1 * anchor.flip(2) * (~mask)[:, None, None, :, None]
    kept = torch.randperm(frames, generator=g)[:frames * 5 // 8].sort().values
    temporal = 0.9 * anchor[:, :, kept]
    return dict(anchor=anchor, spatial=batch_view(spatial, mask),
                temporal=temporal)


def map_views(views: dict, keypoint=None, samples=None) -> dict:
    """The same views with their keypoints converted or samples selected.

    Args:
        views (dict): Batched views (tensors or view dicts).
        keypoint (callable, optional): Applied to every keypoint tensor
            (e.g. ``torch.Tensor.double``).
        samples (slice, optional): The samples to keep; the masks'
            ``kept_joints`` are worked out again for them.

    Returns:
        dict: New views, each a dict; the given ones are left unchanged.
    """
    from pstl_mm.structures import batch_view, check_views
    out = {}
    for name, view in check_views(views).items():
        x, mask = view['keypoint'], view.get('joint_mask')
        if samples is not None:
            x = x[samples]
            mask = None if mask is None else mask[samples]
        out[name] = batch_view(keypoint(x) if keypoint else x, mask)
    return out


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


#: A standing coco skeleton (17 joints), x right and y down, in units of
#: the person's height, the nose at the origin.
COCO_POSE = np.array(
    [[0.0, 0.0], [-0.03, -0.02], [0.03, -0.02], [-0.06, 0.0], [0.06, 0.0],
     [-0.12, 0.15], [0.12, 0.15], [-0.15, 0.32], [0.15, 0.32],
     [-0.17, 0.48], [0.17, 0.48], [-0.08, 0.52], [0.08, 0.52],
     [-0.09, 0.75], [0.09, 0.75], [-0.09, 0.97], [0.09, 0.97]])


def make_pose2d_annotations(num_clips: int = 8, seed: int = 0,
                            lengths=(37, 50, 64, 81, 120, 45, 99, 58),
                            img_shapes=((1080, 1920), (480, 640))) -> list:
    """Clips as MMAction2's 2-D skeleton pickles hold them (coco, pixels).

    Each clip: one or two persons (odd clips two) waving an arm at a
    frequency of its class, walking across the image; keypoints in pixels
    inside ``img_shape``, scores in [0.2, 1).

    Args:
        num_clips (int): Clips.
        seed (int): Seed of every draw.
        lengths (tuple[int]): Frames T of the clips, cycled.
        img_shapes (tuple): (H, W) of the clips, cycled.

    Returns:
        list[dict]: ``frame_dir``, ``label`` (< 60), ``img_shape``,
        ``original_shape``, ``total_frames``, ``keypoint`` (M, T, 17, 2)
        float32 and ``keypoint_score`` (M, T, 17) float32.
    """
    rng = np.random.default_rng(seed)
    anns = []
    for i in range(num_clips):
        t = lengths[i % len(lengths)]
        h, w = img_shapes[i % len(img_shapes)]
        label = i % 4
        persons = 1 + i % 2
        time = np.arange(t) / 30.0
        keypoint = np.empty((persons, t, 17, 2))
        for m in range(persons):
            pose = np.repeat(COCO_POSE[None], t, axis=0)
            wave = np.sin(2 * np.pi * (0.5 + label) * time + m)
            pose[:, 9, 1] -= 0.3 * (1 + wave)  # left wrist up and down
            pose[:, 7, 1] -= 0.15 * (1 + wave)
            pose += rng.normal(scale=0.01, size=pose.shape)
            height = h * rng.uniform(0.4, 0.6)
            centre = np.stack([
                w * (0.3 + 0.4 * m) + w * 0.1 * np.sin(time + label),
                np.full(t, h * 0.2)], axis=-1)
            keypoint[m] = pose * height + centre[:, None]
        anns.append(dict(
            frame_dir=f'S001C001P{i:03d}R001A{label + 1:03d}',
            label=label,
            img_shape=(h, w),
            original_shape=(h, w),
            total_frames=t,
            keypoint=keypoint.astype(np.float32),
            keypoint_score=rng.uniform(0.2, 1.0, size=(persons, t, 17))
            .astype(np.float32)))
    return anns


def write_pose2d_annotations(path, num_clips: int = 8, seed: int = 0) -> str:
    """A 2-D skeleton pickle as MMAction2's ``ntu60_2d.pkl`` (coco).

    Every split name ``xsub_train`` / ``xsub_val`` / ``xview_*`` lists all
    clips (:func:`make_pose2d_annotations`).

    Returns:
        str: ``path``.
    """
    import pickle
    anns = make_pose2d_annotations(num_clips, seed)
    names = [a['frame_dir'] for a in anns]
    split = {f'{b}_{p}': names for b in ('xsub', 'xview')
             for p in ('train', 'val')}
    Path(path).write_bytes(pickle.dumps(dict(split=split, annotations=anns)))
    return str(path)


def tiny_cfg(config, ann_file, work_dir, **overrides):
    """``config`` scaled down to seconds: same pipeline, tiny widths.

    Args:
        config (str): A pretraining config file.
        ann_file (str): Annotation pickle of :func:`write_annotations`.
        work_dir (str): The runner's work dir.
        **overrides: More ``merge_from_dict`` keys, applied last.

    Returns:
        mmengine.config.Config: The merged config.
    """
    from mmengine.config import Config
    cfg = Config.fromfile(config)
    if cfg.model.backbone.type == 'MaskedBackbone':
        # MMAction2's backbones: 8 base channels, 32 at the end.
        width = {'model.backbone.backbone.base_channels': 8}
    else:
        width = {'model.backbone.hidden_channels': 8,
                 'model.backbone.out_channels': 32}
    cfg.merge_from_dict({
        'work_dir': str(work_dir),
        **width,
        'model.neck.in_channels': 32,
        'model.neck.hidden_channels': 128,
        'model.neck.out_channels': 128,
        'train_dataloader.batch_size': 8,
        'train_dataloader.num_workers': 0,
        'train_dataloader.dataset.ann_file': ann_file,
        'train_dataloader.dataset.split': 'xsub_train',
        'default_hooks.logger.interval': 1,
        'default_hooks.checkpoint.interval': 1,
        'param_scheduler': [],
        'train_cfg.max_epochs': 2,
        **overrides,
    })
    return cfg


FIXTURES_DIR = Path(__file__).resolve().parent / 'fixtures'


def load_toy():
    """Import ``tests/fixtures/pstl_compat_toy.py`` as ``pstl_compat_toy``.

    Returns:
        module: The toy model, data set, model wrapper and hook module.
    """
    import importlib.util
    import sys
    if 'pstl_compat_toy' not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            'pstl_compat_toy', FIXTURES_DIR / 'pstl_compat_toy.py')
        module = importlib.util.module_from_spec(spec)
        sys.modules['pstl_compat_toy'] = module
        spec.loader.exec_module(module)
    return sys.modules['pstl_compat_toy']


@pytest.fixture
def keep_global_rngs():
    """Restore the global RNGs, which every Runner reseeds, after a test."""
    import random
    states = random.getstate(), np.random.get_state(), torch.get_rng_state()
    yield
    random.setstate(states[0])
    np.random.set_state(states[1])
    torch.set_rng_state(states[2])


def build_runner(cfg):
    """The runner ``tools/train.py`` builds of ``cfg``.

    From MMAction2's ``RUNNERS`` when ``cfg`` names a ``runner_type`` (this
    package's configs name ``PortableRunner``), else mmengine's Runner.

    Args:
        cfg (mmengine.config.Config): The config.

    Returns:
        mmengine.runner.Runner: The runner.
    """
    from mmaction.registry import RUNNERS
    from mmengine.runner import Runner
    if 'runner_type' not in cfg:
        return Runner.from_cfg(cfg)
    return RUNNERS.build(cfg)


def free_port() -> int:
    """A TCP port of 127.0.0.1 that was free a moment ago."""
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def run_command(cmd, timeout: float, **kwargs) -> Tuple[int, str]:
    """Run ``cmd`` in its own session; kill the whole session on timeout.

    Args:
        cmd (list[str]): The command.
        timeout (float): Seconds before the session is killed and the test
            fails with the output so far.
        **kwargs: More :class:`subprocess.Popen` arguments (``env``,
            ``cwd``).

    Returns:
        tuple[int, str]: The exit code and the combined stdout and stderr.
    """
    proc = subprocess.Popen(
        cmd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
        **kwargs)
    try:
        out = proc.communicate(timeout=timeout)[0]
        return proc.returncode, out
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        pytest.fail(f'timed out after {timeout} s: {proc.communicate()[0]}')
