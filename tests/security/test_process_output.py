"""Output of the processes hwb starts is bounded, and a daemon cannot keep hwb waiting
(issue 16, families 3 and 4).  Real child processes; nothing of hwb's is replaced."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from headless_wheel_builder import _proc


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie is gone for our purposes
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def test_a_daemon_holding_the_output_open_does_not_keep_hwb_waiting(tmp_path: Path) -> None:
    pidfile = tmp_path / "daemon.pid"
    script = (
        "import subprocess, sys\n"
        f"p = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(300)'])\n"
        f"open({str(pidfile)!r}, 'w').write(str(p.pid))\n"
        "print('built', flush=True)\n"
    )
    start = time.monotonic()
    result = _proc.run([sys.executable, "-c", script], timeout=120)
    elapsed = time.monotonic() - start
    assert result.returncode == 0
    assert "built" in result.output
    assert elapsed < 30, f"hwb waited {elapsed:.0f}s for a daemon"  # the daemon sleeps 300 s
    daemon = int(pidfile.read_text())
    deadline = time.monotonic() + 10
    while _alive(daemon) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(daemon), "the backgrounded process was left running"


def test_a_line_without_end_is_read_in_bounded_pieces(tmp_path: Path) -> None:
    size = 20 * 1024 * 1024
    script = f"import sys; sys.stdout.write('x' * {size}); sys.stdout.write('\\nend\\n')"
    result = _proc.run([sys.executable, "-c", script], tail_lines=5)
    # The kept tail is five pieces, not a 20 MB line.
    assert result.output.endswith("x\nend\n")
    assert len(result.output) <= 5 * _proc.MAX_LINE


def test_a_log_file_stops_growing_at_its_cap_and_says_so(tmp_path: Path) -> None:
    log = tmp_path / "build.log"
    lines = _proc.MAX_LOG_BYTES // 1000 + 5_000
    script = (
        f"import sys\nfor i in range({lines}): sys.stdout.write('y' * 999 + '\\n')\nprint('last' + ' line')"
    )
    result = _proc.run([sys.executable, "-c", script], log_file=log)
    assert result.output.endswith("last line\n")  # the tail is still kept for messages
    text = log.read_text()
    assert len(text) < _proc.MAX_LOG_BYTES + 2 * _proc.MAX_LINE
    assert "hwb: log truncated at" in text
    assert "last line" not in text
