"""HeapTrimHook: freed tensor memory leaves the process."""
import os
import subprocess
import sys

import pytest
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


def kept_after_free(mb):
    """Resident MB left after 40 tensors of ``mb`` MB, all freed but one."""
    before = rss_mb()
    tensors = [torch.ones(mb * 2**18) for _ in range(40)]
    last = tensors[-1]
    del tensors
    return rss_mb() - before - mb


if sys.argv[1] == 'trim-all':
    assert set_heap_trim_threshold(0, None, None)
elif sys.argv[1] == 'fixed-mapped':
    assert set_heap_trim_threshold(mmap_max=None)
elif sys.argv[1] == 'fixed':
    assert set_heap_trim_threshold()
first = kept_after_free(20)
block = torch.ones(6 * 2**20)  # 24 MB freed: glibc's default raises its
del block                      # mmap threshold above the 20 MB tensors
print(first, kept_after_free(20), kept_after_free(40))
'''


def _kept_after_free(mode: str):
    out = subprocess.run([sys.executable, '-c', PROBE, mode], check=True,
                         capture_output=True, text=True, cwd=REPO_ROOT)
    return [float(x) for x in out.stdout.split()[-3:]]


def test_fixed_thresholds_keep_the_resident_memory_flat():
    """40 tensors of 20 MB (then of 40 MB), freed but the last: glibc's
    defaults return the first round (mapped) and keep the second (on the
    heap once its threshold rose): the resident peak creeps. The hook's
    settings keep every block on the heap from the start (reused without
    page faults); with mappings allowed, blocks of 32 MB and more are
    returned; trimming everything returns all (with a page fault for
    every new tensor)."""
    first, second, large = _kept_after_free('default')
    assert first < 100 and second > 500 and large < 100
    first, second, large = _kept_after_free('fixed')
    assert first > 500 and second > 500 and large > 500
    first, second, large = _kept_after_free('fixed-mapped')
    assert first > 500 and second > 500 and large < 100
    first, second, large = _kept_after_free('trim-all')
    assert first < 100 and second < 100 and large < 100


def test_every_config_of_the_package_runs_the_hook():
    for name in ('pstl_ntu60_xsub.py', 'linear/linear_ntu60_xsub.py',
                 'semi/semi10_ntu60_xsub.py', 'demo/demo_pstl_synthetic.py'):
        cfg = Config.fromfile(REPO_ROOT / 'configs' / 'pstl' / name)
        types = [h['type'] for h in cfg.get('custom_hooks', [])]
        assert 'HeapTrimHook' in types, name


HUGE_PAGES_PROBE = r'''
import sys
import types
import torch
if sys.argv[1] == 'allocated-first':
    early = torch.ones(2**21)  # 8 MB before the package: torch reads the
    # environment at this allocation, without the package's setting
import pytest
from mmengine.config import Config
cfg = Config.fromfile(sys.argv[2])  # its custom_imports import pstl_mm
from pstl_mm.engine.hooks import HeapTrimHook
from pstl_mm.engine.hooks.heap_trim_hook import large_tensors_on_huge_pages
warnings = []
logger = types.SimpleNamespace(info=print, warning=warnings.append)
HeapTrimHook().before_run(types.SimpleNamespace(logger=logger))
print(large_tensors_on_huge_pages(), len(warnings))
print(*warnings)
'''


def _system_huge_pages() -> bool:
    try:
        with open('/sys/kernel/mm/transparent_hugepage/enabled') as f:
            return '[never]' not in f.read()
    except OSError:
        return False


@pytest.mark.parametrize('order', ['config-first', 'allocated-first'])
def test_huge_pages_however_the_run_is_built(order):
    """A config read with mmengine's own ``Config.fromfile`` (as
    ``Runner.from_cfg`` and ``RUNNERS.build`` users do) imports the package,
    which sets ``THP_MEM_ALLOC_ENABLE``: large tensors go on huge pages and
    the hook is silent. A process that allocated a large tensor before the
    package was imported gets one warning line with the fix."""
    if not _system_huge_pages():
        pytest.skip('transparent huge pages are off on this system')
    env = {k: v for k, v in os.environ.items()
           if k != 'THP_MEM_ALLOC_ENABLE'}
    out = subprocess.run(
        [sys.executable, '-c', HUGE_PAGES_PROBE, order,
         str(REPO_ROOT / 'configs' / 'pstl' / 'pstl_ntu60_xsub.py')],
        check=True, capture_output=True, text=True, cwd=REPO_ROOT, env=env)
    lines = out.stdout.splitlines()
    if order == 'config-first':
        assert lines[0] == 'True 0', out.stdout
    else:
        assert lines[0] == 'False 1', out.stdout
        assert lines[1].startswith('HeapTrimHook: large tensors are not on '
                                   'transparent huge pages')
        assert 'export THP_MEM_ALLOC_ENABLE=1' in lines[1]
