"""Give freed tensor memory back to the operating system at once."""
import ctypes
import ctypes.util
from typing import Optional

from mmaction.registry import HOOKS
from mmengine.hooks import Hook

#: ``mallopt`` parameter number of ``M_TRIM_THRESHOLD`` in glibc.
M_TRIM_THRESHOLD = -1


def set_heap_trim_threshold(threshold: int = 0) -> bool:
    """Set glibc's ``M_TRIM_THRESHOLD`` for this process.

    On CPU, PyTorch allocates tensors with the C library's ``malloc``.
    glibc raises its mmap threshold to the largest block freed so far (up
    to 32 MB), so after the first step most activations of a training step
    live on the heap, whose freed holes are kept and fragment: the resident
    peak of the next steps grows well above the memory actually live.
    Setting the trim threshold (as ``MALLOC_TRIM_THRESHOLD_=0`` does) fixes
    the mmap threshold at its default and returns freed memory, so the
    resident peak follows the live tensors. Nothing changes but memory.

    Every large tensor then costs fresh pages; with 4 KB pages that page
    faulting added half to a pretraining step here. ``import pstl_mm``
    therefore sets ``THP_MEM_ALLOC_ENABLE=1``, which makes torch place
    tensors of 2 MB and more on transparent huge pages (see
    :func:`large_tensors_on_huge_pages`). With both, the step was as fast
    as with the C library's defaults and its peak 2 GB lower
    (``docs/benchmarks.md``).

    Args:
        threshold (int): Bytes of free memory at the top of the heap kept
            before trimming. Defaults to 0.

    Returns:
        bool: Whether the setting was applied (False where the C library is
        not glibc, e.g. macOS or musl).
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
    gets it; remove it there to keep the C library's defaults.

    Args:
        threshold (int): See :func:`set_heap_trim_threshold`.
    """

    priority = 'VERY_HIGH'

    def __init__(self, threshold: int = 0) -> None:
        self.threshold = threshold

    def before_run(self, runner) -> None:
        """Apply the setting; log where it cannot be applied, and warn
        where large tensors are not on huge pages (steps ~1.5x slower)."""
        if not set_heap_trim_threshold(self.threshold):
            runner.logger.info('HeapTrimHook: not a glibc system, the '
                               'heap trim threshold is left as it is')
            return
        if large_tensors_on_huge_pages() is False:
            runner.logger.warning(
                'HeapTrimHook: large tensors are not on transparent huge '
                'pages, so the trimmed heap makes each step about 1.5x '
                'slower; fix: export THP_MEM_ALLOC_ENABLE=1 before starting '
                'Python (or import pstl_mm before allocating tensors), or '
                'remove HeapTrimHook from custom_hooks to keep the C '
                "library's heap (faster here, more memory)")
