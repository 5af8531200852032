"""``tools/fuse_streams.py`` on the command line: the table, and exit 1 on
dumps that do not line up."""
import pickle
import sys

import torch

from tests.conftest import REPO_ROOT, run_command

TOOL = str(REPO_ROOT / 'tools' / 'fuse_streams.py')


def dump(path, scores, labels, names):
    path.write_bytes(pickle.dumps([
        dict(pred_score=torch.tensor(s, dtype=torch.float32),
             gt_label=torch.tensor(y), num_classes=len(s), frame_dir=n)
        for s, y, n in zip(scores, labels, names)
    ]))
    return str(path)


def test_the_table_and_a_mismatch(tmp_path):
    j = dump(tmp_path / 'j.pkl', [[.9, .1], [.4, .6]], [0, 1], ['a', 'b'])
    b = dump(tmp_path / 'b.pkl', [[.2, .8], [.3, .7]], [0, 1], ['a', 'b'])
    status, out = run_command([sys.executable, TOOL, j, b], timeout=120)
    assert status == 0, out
    lines = out.splitlines()[-4:]
    assert lines[0].split() == ['stream', 'top1', 'top5']
    assert lines[1].split() == ['j.pkl', '100.00%', '100.00%']
    assert lines[2].split() == ['b.pkl', '50.00%', '100.00%']
    assert lines[3].split() == ['fused', '100.00%', '100.00%']
    swapped = dump(tmp_path / 's.pkl', [[.2, .8], [.3, .7]], [1, 0],
                   ['b', 'a'])
    status, out = run_command([sys.executable, TOOL, j, swapped], timeout=120)
    assert status == 1
    assert "error: " in out and "s.pkl: sample 0 is 'b' but 'a'" in out
