"""``tools/visualize.py views``: the picture and the summary it prints."""
import pickle
import re
from pathlib import Path

import pytest

from tests.conftest import load_tool

REPO = Path(__file__).resolve().parents[2]
CONFIG = REPO / 'configs' / 'pstl' / 'pstl_ntu60_xsub.py'
INDEX = 3
SEED = 7


def _load_tool():
    return load_tool('visualize')


@pytest.fixture(scope='module')
def ann_file(tmp_path_factory):
    """A tiny annotation pickle: one synthetic sample per class."""
    from pstl_mm.datasets.synthetic import make_synthetic_annotations
    anns = make_synthetic_annotations(1, seed=0, num_person=2)
    path = tmp_path_factory.mktemp('visualize') / 'tiny.pkl'
    with open(path, 'wb') as f:
        pickle.dump(
            dict(split=dict(train=[a['frame_dir'] for a in anns]),
                 annotations=anns), f)
    return path


@pytest.fixture(scope='module')
def expected(ann_file):
    """Masked joint names and view lengths, from the dataset's own pipeline.

    The dataset is built independently of the tool: every random transform
    of the config gets ``seed=SEED`` in its config, and sample ``INDEX`` goes
    through the full pipeline (``dataset[INDEX]``); its draws are a function
    of (seed, epoch, sample index), as the tool's.
    """
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    init_default_scope('mmaction')
    import pstl_mm  # noqa: F401
    from mmaction.registry import DATASETS, TRANSFORMS
    from pstl_mm.datasets.transforms.seeded import SeededTransform
    from pstl_mm.skeleton import get_layout

    cfg = Config.fromfile(str(CONFIG))
    dataset_cfg = cfg.train_dataloader.dataset
    dataset_cfg.ann_file = str(ann_file)
    dataset_cfg.split = 'train'
    multiview = dataset_cfg.pipeline[0]
    assert multiview.type == 'MultiView'
    for transforms in multiview.views.values():
        for transform in transforms:
            assert issubclass(TRANSFORMS.get(transform.type), SeededTransform)
            transform.seed = SEED
    dataset = DATASETS.build(dataset_cfg)
    packed = dataset[INDEX]
    inputs = packed['inputs']
    mask = inputs['spatial']['joint_mask'].numpy()
    names = get_layout('nturgb+d').joint_names
    return dict(
        frame_dir=dataset.get_data_info(INDEX)['frame_dir'],
        label=int(dataset.get_data_info(INDEX)['label']),
        masked=[names[j] for j in mask.nonzero()[0]],
        temporal_frames=int(inputs['temporal']['keypoint'].shape[1]),
        num_frames=int(inputs['anchor']['keypoint'].shape[1]))


def _run(fmt, ann_file, out_dir, capsys):
    """Run ``views``; return the written path and the summary line."""
    tool = _load_tool()
    status = tool.main([
        'views',
        str(CONFIG), '--index',
        str(INDEX), '--ann-file',
        str(ann_file), '--split', 'train', '--format', fmt, '--out-dir',
        str(out_dir), '--seed',
        str(SEED)
    ])
    assert status == 0
    lines = [line for line in capsys.readouterr().out.splitlines() if line]
    wrote = [line for line in lines if line.startswith('wrote ')]
    summary = [line for line in lines if line.startswith('sample ')]
    assert len(wrote) == 1 and len(summary) == 1, lines
    path = Path(wrote[0].split()[1])
    return path, summary[0]


def _check_summary(summary, expected):
    assert summary.startswith(f'sample {expected["frame_dir"]} | '
                              f'label {expected["label"]} |')
    match = re.search(r'spatial=\[([^\]]*)\]', summary)
    assert match, summary
    printed = [name for name in match.group(1).split(', ') if name]
    assert len(expected['masked']) == 9
    assert printed == expected['masked']
    total = expected['num_frames']
    assert f'temporal {expected["temporal_frames"]}/{total}' in summary
    assert f'anchor {total}/{total}' in summary


@pytest.mark.parametrize('fmt', ['png', 'gif'])
def test_views(fmt, ann_file, expected, tmp_path, capsys):
    from PIL import Image

    path, summary = _run(fmt, ann_file, tmp_path / 'out', capsys)
    assert path.is_file() and path.suffix == f'.{fmt}'
    assert path.parent == tmp_path / 'out'
    with Image.open(path) as image:
        image.verify()
    with Image.open(path) as image:
        assert image.format == fmt.upper()
        width, height = image.size
        # Four panels side by side (original, anchor, spatial, temporal).
        assert 600 <= width <= 2000
        if fmt == 'gif':
            assert 200 <= height <= 1000
            assert image.n_frames == expected['num_frames']
        else:
            # Six frames, one row each.
            assert 1000 <= height <= 3000
    _check_summary(summary, expected)


def test_tsne_writes_a_map_of_encoder_features(ann_file, tmp_path, capsys):
    import torch
    from PIL import Image

    from pstl_mm.models.backbones import MaskableSTGCN
    torch.manual_seed(0)
    ckpt = tmp_path / 'encoder.pth'
    torch.save(
        dict(state_dict={
            'backbone.' + k: v
            for k, v in MaskableSTGCN().state_dict().items()
        }), ckpt)
    tool = _load_tool()
    config = REPO / 'configs' / 'pstl' / 'linear' / 'linear_ntu60_xsub.py'
    status = tool.main([
        'tsne', str(config), str(ckpt), '--ann-file', str(ann_file),
        '--split', 'train', '--out-dir', str(tmp_path)
    ])
    assert status == 0
    out = capsys.readouterr().out
    assert 'wrote' in out and '10 samples, 10 classes' in out
    path = tmp_path / 'tsne_linear_ntu60_xsub.png'
    with Image.open(path) as image:
        assert image.format == 'PNG' and image.size[0] > 300
