"""``tools/demo.py`` tells a short story: progress bars, the table, paths."""
import re
import subprocess
import sys

from tests.conftest import REPO_ROOT

SMALL = ['model.backbone.hidden_channels=8', 'model.backbone.out_channels=32']


def test_demo_prints_bars_and_the_table_and_logs_the_rest(tmp_path):
    data = tmp_path / 'demo.pkl'
    subprocess.run([
        sys.executable,
        str(REPO_ROOT / 'tools' / 'data' / 'make_demo_data.py'), '--out',
        str(data), '--train-per-class', '2', '--test-per-class', '1'
    ], check=True, capture_output=True, timeout=300)
    work_dir = tmp_path / 'work'
    proc = subprocess.run([
        sys.executable, str(REPO_ROOT / 'tools' / 'demo.py'), '--data',
        str(data), '--work-dir', str(work_dir),
        '--pretrain-options', 'train_cfg.max_epochs=1', *SMALL,
        'model.neck.in_channels=32', 'model.neck.hidden_channels=64',
        'model.neck.out_channels=64',
        '--linear-options', 'train_cfg.max_epochs=1', *SMALL,
        'model.cls_head.in_channels=32', 'train_cfg.val_interval=1',
        '--partial-body-options', *SMALL, 'model.cls_head.in_channels=32',
        'test_cfg.repeats=1', 'test_cfg.joint_levels=(0,2)',
        'test_cfg.part_levels=(0,1)'
    ], capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    text = proc.stdout
    assert len(text.splitlines()) <= 80, text
    # Nothing on stderr: the bars go to stdout, the runners' output to the
    # log.
    assert proc.stderr == ''
    for stage in ('pretraining PSTL', 'linear (pstl)', 'linear (random)',
                  'partial body (pstl)', 'partial body (random)'):
        assert stage in text
    assert re.search(r'linear evaluation\s+\d+\.\d\s+\d+\.\d', text)
    assert re.search(r'joints shaded 2 \(drop\)\s+\d+\.\d\s+\d+\.\d', text)
    assert re.search(r'joints shaded 4 \(drop\)\s+nan\s+nan', text)
    assert 'Config:' not in text and 'mmengine - INFO' not in text
    log = (work_dir / 'demo.log').read_text()
    assert 'Config:' in log and 'Epoch(train)' in log
    assert f'runs, checkpoints and their logs: {work_dir}/' in text
