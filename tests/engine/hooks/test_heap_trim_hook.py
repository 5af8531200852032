"""HeapTrimHook: freed tensor memory leaves the process."""
import subprocess
import sys

from mmengine.config import Config

from tests.conftest import REPO_ROOT

PROBE = r'''
import sys
import torch
from pstl_mm.engine.hooks import set_heap_trim_threshold


def rss_mb():
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith('VmRSS:'):
                return int(line.split()[1]) / 1024


if sys.argv[1] == 'trim':
    assert set_heap_trim_threshold(0)
block = torch.ones(6 * 2**20)  # 24 MB freed: glibc raises its threshold
del block
before = rss_mb()
tensors = [torch.ones(5 * 2**20) for _ in range(40)]  # 40 x 20 MB
last = tensors[-1]
del tensors
print(rss_mb() - before)
'''


def _resident_after_free(mode: str) -> float:
    out = subprocess.run([sys.executable, '-c', PROBE, mode], check=True,
                         capture_output=True, text=True, cwd=REPO_ROOT)
    return float(out.stdout.split()[-1])


def test_freed_tensors_leave_the_process_with_the_setting():
    kept_default = _resident_after_free('default')
    kept_trim = _resident_after_free('trim')
    # 800 MB were allocated, 20 MB stay live
    assert kept_default > 500
    assert kept_trim < 100


def test_every_config_of_the_package_runs_the_hook():
    for name in ('pstl_ntu60_xsub.py', 'linear/linear_ntu60_xsub.py',
                 'semi/semi10_ntu60_xsub.py', 'demo/demo_pstl_synthetic.py'):
        cfg = Config.fromfile(REPO_ROOT / 'configs' / 'pstl' / name)
        types = [h['type'] for h in cfg.get('custom_hooks', [])]
        assert 'HeapTrimHook' in types, name
