"""Fix glibc's heap thresholds, so that the resident peak of training
steps stays flat without page faults on every large tensor."""
import ctypes
import ctypes.util
from typing import Optional

from mmaction.registry import HOOKS
from mmengine.hooks import Hook

#: ``mallopt`` parameter numbers of glibc.
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3


def set_heap_trim_threshold(threshold: int = 64 * 2**20,
                            mmap_threshold: Optional[int] = 32 * 2**20
                            ) -> bool:
    """Set glibc's ``M_TRIM_THRESHOLD`` (and ``M_MMAP_THRESHOLD``).

    On CPU, PyTorch allocates tensors with the C library's ``malloc``.
    By default glibc raises its mmap threshold to the largest block freed
    so far (up to 32 MB) and its trim threshold to twice that, step by
    step: the resident peak of a training loop creeps up over its first
    iterations as more tensors move from fresh mappings onto the heap.
    Setting the thresholds fixes them from the start (glibc then stops
    adjusting them): blocks below ``mmap_threshold`` come from the heap and
    are reused without page faults, larger ones are mapped and returned on
    free, and free memory above ``threshold`` at the top of the heap is
    returned. Nothing changes but memory and time.

    Measured on the configured pretraining step (``docs/benchmarks.md``):
    the defaults here (64 MB, 32 MB) give the flat resident peak of glibc's
    settled state (4.3 GB at batch 64 after 16 steps) at its speed;
    ``threshold=0, mmap_threshold=None`` (every freed block returned)
    gives a lower peak (3.3 GB) but page faults on every large tensor make
    the step about 1.5x slower, also with transparent huge pages
    (``THP_MEM_ALLOC_ENABLE=1``, which ``import pstl_mm`` sets).

    Args:
        threshold (int): Bytes of free memory at the top of the heap kept
            before trimming. Defaults to 64 MB.
        mmap_threshold (int, optional): Blocks of at least this many bytes
            are mapped on their own; ``None`` leaves glibc's (with a trim
            threshold set: 128 KB). At most 32 MB on 64-bit glibc.
            Defaults to 32 MB.

    Returns:
        bool: Whether the settings were applied (False where the C library
        is not glibc, e.g. macOS or musl).
    """
    libc_name: Optional[str] = ctypes.util.find_library('c')
    if libc_name is None:
        return False
    try:
        libc = ctypes.CDLL(libc_name)
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    if mmap_threshold is not None and not mallopt(M_MMAP_THRESHOLD,
                                                  int(mmap_threshold)):
        return False
    return bool(mallopt(M_TRIM_THRESHOLD, int(threshold)))


def large_tensors_on_huge_pages() -> Optional[bool]:
    """Whether torch puts a new 4 MB tensor on transparent huge pages.

    torch asks for huge pages (``madvise``) where ``THP_MEM_ALLOC_ENABLE=1``
    was in the environment at its first allocation of 2 MB or more, which
    it reads once; the kernel honours it where
    ``/sys/kernel/mm/transparent_hugepage/enabled`` is ``always`` or
    ``madvise``. Read from the ``THPeligible`` field of the tensor's
    mapping in ``/proc/self/smaps``.

    Returns:
        bool or None: ``None`` where the system does not say (not Linux, or
        a kernel without the field).
    """
    import torch
    probe = torch.empty(2**20)  # 4 MB
    address = probe.data_ptr()
    try:
        with open('/proc/self/smaps') as f:
            inside = False
            for line in f:
                head = line.split(maxsplit=1)[0]
                if '-' in head and ':' not in head:
                    start, end = (int(x, 16) for x in head.split('-'))
                    inside = start <= address < end
                elif inside and head == 'THPeligible:':
                    return line.split()[1] == '1'
    except OSError:
        return None
    return None


@HOOKS.register_module()
class HeapTrimHook(Hook):
    """Call :func:`set_heap_trim_threshold` before the run starts.

    In ``custom_hooks`` of this package's runtime base, so every config
    gets it; remove it there to keep the C library's adaptive thresholds.

    Args:
        threshold (int): See :func:`set_heap_trim_threshold`.
        mmap_threshold (int, optional): See :func:`set_heap_trim_threshold`.
    """

    priority = 'VERY_HIGH'

    def __init__(self,
                 threshold: int = 64 * 2**20,
                 mmap_threshold: Optional[int] = 32 * 2**20) -> None:
        self.threshold = threshold
        self.mmap_threshold = mmap_threshold

    def before_run(self, runner) -> None:
        """Apply the settings; log where they cannot be applied, and warn
        where large tensors are not on huge pages (their page faults then
        cost more)."""
        if not set_heap_trim_threshold(self.threshold, self.mmap_threshold):
            runner.logger.info('HeapTrimHook: not a glibc system, the '
                               'heap thresholds are left as they are')
            return
        if large_tensors_on_huge_pages() is False:
            runner.logger.warning(
                'HeapTrimHook: large tensors are not on transparent huge '
                'pages, so each of their page faults costs 512 small ones '
                '(steps up to 1.5x slower); fix: export '
                'THP_MEM_ALLOC_ENABLE=1 before starting Python (or import '
                'pstl_mm before allocating tensors)')
