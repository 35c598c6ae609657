"""Freed large buffers leave the process (`entrypoints.memory`), measured in a real process."""

from __future__ import annotations

import platform
import subprocess
import sys
import textwrap

import pytest

pytestmark = pytest.mark.skipif(platform.libc_ver()[0] != "glibc",
                                reason="the setting is glibc's; other C libraries need none")

# Five 8 MiB parts, every page written, freed one after the other on a thread and on the main
# thread, as the API does with an upload's parts; then the resident size against the start.
PARTS = textwrap.dedent("""
    import sys, threading
    from bulkio.entrypoints.memory import return_freed_memory
    if sys.argv[1] == "set":
        assert return_freed_memory()
    def rss_mib():
        for line in open("/proc/self/status"):
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    before = rss_mib()
    def parts():
        for _ in range(5):
            part = b"x" * (8 * 1024 * 1024)
            del part
    thread = threading.Thread(target=parts)
    thread.start()
    thread.join()
    parts()
    print(rss_mib() - before)
""")


def retained_mib(setting: str) -> float:
    done = subprocess.run([sys.executable, "-c", PARTS, setting], capture_output=True,
                          text=True, timeout=60, check=True)
    return float(done.stdout)


def test_without_the_setting_freed_parts_stay_resident() -> None:
    """The behaviour the setting exists for: glibc keeps at least one freed 8 MiB part."""
    assert retained_mib("unset") >= 8


def test_with_the_setting_freed_parts_leave_the_process() -> None:
    assert retained_mib("set") < 2

