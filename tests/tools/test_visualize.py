"""``tools/visualize.py`` on the command line: ``views`` writes the picture
and prints its summary, ``tsne`` a map of encoder features."""
import pickle
import re
import sys

import pytest
import torch
from PIL import Image

from tests.conftest import CONFIG_DIR, REPO_ROOT, run_command

TOOL = str(REPO_ROOT / 'tools' / 'visualize.py')


@pytest.fixture(scope='module')
def ann_file(tmp_path_factory):
    """A tiny annotation pickle: one synthetic sample per class."""
    from pstl_mm.datasets.synthetic import make_synthetic_annotations
    anns = make_synthetic_annotations(1, seed=0, num_person=2)
    path = tmp_path_factory.mktemp('visualize') / 'tiny.pkl'
    path.write_bytes(pickle.dumps(dict(
        split=dict(train=[a['frame_dir'] for a in anns]), annotations=anns)))
    return str(path)


def test_views_writes_the_picture_and_its_summary(ann_file, tmp_path):
    status, out = run_command([
        sys.executable, TOOL, 'views',
        str(CONFIG_DIR / 'pstl_ntu60_xsub.py'), '--index', '3', '--ann-file',
        ann_file, '--split', 'train', '--format', 'png', '--out-dir',
        str(tmp_path), '--seed', '7'
    ], timeout=300)
    assert status == 0, out
    wrote = re.findall(r'^wrote (\S+) \(', out, re.M)
    summary = [line for line in out.splitlines() if line.startswith('sample ')]
    assert len(wrote) == 1 and len(summary) == 1, out
    assert wrote[0].startswith(str(tmp_path / 'views_3_'))
    with Image.open(wrote[0]) as image:
        assert image.format == 'PNG'
        # Four panels (original, anchor, spatial, temporal), six rows.
        assert 1000 <= image.size[0] <= 1100 and image.size[1] > 1500
    assert re.search(r'masked joints: spatial=\[(\w+, ){8}\w+\]', summary[0])
    assert re.search(r'frames kept: anchor (\d+)/\1, spatial (\d+)/\2, '
                     r'temporal \d+/\1$', summary[0])


def test_views_of_a_bad_index_exits_2(ann_file):
    status, out = run_command([
        sys.executable, TOOL, 'views',
        str(CONFIG_DIR / 'pstl_ntu60_xsub.py'), '--index', '10',
        '--ann-file', ann_file, '--split', 'train'
    ], timeout=300)
    assert status == 2
    assert 'error: --index 10 out of range: the dataset has 10 samples' in out


def test_tsne_writes_a_map_of_encoder_features(ann_file, tmp_path):
    from pstl_mm.models.backbones import MaskableSTGCN
    with torch.random.fork_rng():
        torch.manual_seed(0)
        state = MaskableSTGCN().state_dict()
    ckpt = tmp_path / 'encoder.pth'
    torch.save(dict(state_dict={'backbone.' + k: v
                                for k, v in state.items()}), ckpt)
    config = CONFIG_DIR / 'linear' / 'linear_ntu60_xsub.py'
    status, out = run_command([
        sys.executable, TOOL, 'tsne', str(config), str(ckpt), '--ann-file',
        ann_file, '--split', 'train', '--out-dir', str(tmp_path)
    ], timeout=300)
    assert status == 0, out
    assert f'wrote {tmp_path}/tsne_linear_ntu60_xsub.png: 10 samples, 10 ' \
        'classes' in out
    with Image.open(tmp_path / 'tsne_linear_ntu60_xsub.png') as image:
        assert image.format == 'PNG' and image.size[0] > 300
