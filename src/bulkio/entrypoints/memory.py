"""Freed memory goes back to the operating system in the long-running processes.

glibc's malloc serves a request of `M_MMAP_THRESHOLD` bytes or more (128 KiB at start) with a
mapping of its own, unmapped when it is freed. But it adjusts that threshold as it goes: once such
a block is freed, the threshold rises to the block's size (mallopt(3), "M_MMAP_THRESHOLD", the
dynamic mmap threshold), and the trim threshold to twice that. From then on, blocks of that size,
such as the parts of an upload on their way to S3, come from the heap and stay in the process
after they are freed. Measured on `bulkio serve`, two 80 MB uploads left its resident size 27 MB
above the 125 MB it started with, and it stayed there.

Setting the threshold turns the adjustment off (mallopt(3): "setting M_MMAP_THRESHOLD ...
disables dynamic adjustment"), so every large buffer is unmapped when it is freed and the resident
size returns to where it was after each upload. The cost is one `mmap`/`munmap` pair per large
buffer.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import platform

M_MMAP_THRESHOLD = -3  # <malloc.h>
MMAP_THRESHOLD_BYTES = 128 * 1024  # glibc's own starting value


def return_freed_memory() -> bool:
    """Fix glibc's mmap threshold at `MMAP_THRESHOLD_BYTES` (128 KiB) for this process.

    Returns True when it was set; False where the C library is not glibc (musl, macOS), which
    needs no such setting or has no `mallopt`. Never raises."""
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return bool(libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES))
    except (OSError, AttributeError):
        return False
