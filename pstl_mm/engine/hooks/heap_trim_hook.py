"""Fix glibc's heap settings, so that the resident peak of training steps
stays flat without page faults on every large tensor."""
import ctypes
import ctypes.util
from typing import Optional

from mmaction.registry import HOOKS
from mmengine.hooks import Hook

#: ``mallopt`` parameter numbers of glibc.
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
M_MMAP_MAX = -4


def set_heap_trim_threshold(threshold: int = 64 * 2**20,
                            mmap_threshold: Optional[int] = 32 * 2**20,
                            mmap_max: Optional[int] = 0) -> bool:
    """Set glibc's ``M_TRIM_THRESHOLD`` (and ``M_MMAP_THRESHOLD``,
    ``M_MMAP_MAX``).

    On CPU, PyTorch allocates tensors with the C library's ``malloc``.
    By default glibc raises its mmap threshold to the largest block freed
    so far (up to 32 MB) and its trim threshold to twice that, step by
    step: the resident peak of a training loop creeps up over its first
    iterations as more tensors move from fresh mappings onto the heap.
    Setting the thresholds fixes them from the start (glibc then stops
    adjusting them): blocks below ``mmap_threshold`` come from the heap and
    are reused without page faults, larger ones are mapped and returned on
    free, and free memory above ``threshold`` at the top of the heap is
    returned. ``mmap_max`` caps how many blocks are mapped at once; at 0
    (the default) none is, so the large tensors too come from the heap and
    are reused: glibc's threshold cannot exceed 32 MB, while the
    activations of a pretraining batch are tensors of 32 to 250 MB, and
    each fresh mapping costs a page fault per page (per huge page with
    ``THP_MEM_ALLOC_ENABLE=1``, which ``import pstl_mm`` sets) every step.
    Nothing changes but memory and time.

    Measured on the configured pretraining step (``docs/benchmarks.md``,
    batch 64 and 128, 2 threads): the defaults here cost the step next to
    no page faults and keep the resident peak within 10-20 % of the live
    tensors' (free blocks between live ones stay resident);
    ``mmap_max=None`` (large blocks mapped and returned on free) gives a
    lower peak but makes the step up to 1.5x slower at batch 128;
    ``threshold=0, mmap_threshold=None, mmap_max=None`` (every freed block
    returned) the lowest peak and page faults on every large tensor.

    Args:
        threshold (int): Bytes of free memory at the top of the heap kept
            before trimming. Defaults to 64 MB.
        mmap_threshold (int, optional): Blocks of at least this many bytes
            are mapped on their own (while ``mmap_max`` allows); ``None``
            leaves glibc's (with a trim threshold set: 128 KB). At most
            32 MB on 64-bit glibc. Defaults to 32 MB.
        mmap_max (int, optional): Most blocks mapped at once; 0: none,
            every block comes from the heap; ``None`` leaves glibc's
            (65536). Defaults to 0.

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
    if mmap_max is not None and not mallopt(M_MMAP_MAX, int(mmap_max)):
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
        mmap_max (int, optional): See :func:`set_heap_trim_threshold`.
    """

    priority = 'VERY_HIGH'

    def __init__(self,
                 threshold: int = 64 * 2**20,
                 mmap_threshold: Optional[int] = 32 * 2**20,
                 mmap_max: Optional[int] = 0) -> None:
        self.threshold = threshold
        self.mmap_threshold = mmap_threshold
        self.mmap_max = mmap_max

    def before_run(self, runner) -> None:
        """Apply the settings; log where they cannot be applied, and warn
        where large tensors are not on huge pages (their page faults then
        cost more)."""
        if not set_heap_trim_threshold(self.threshold, self.mmap_threshold,
                                       self.mmap_max):
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
