"""Run the real CLI on a pseudo-terminal, as a person at a terminal would (tests of live output
and of prompts)."""

from __future__ import annotations

import os
import pty
import select
import sys
import time


def run_on_pty(
    args: list[str], env: dict[str, str], timeout: float = 120, *, reply: tuple[bytes, bytes] | None = None
) -> tuple[int, str]:
    """Run ``hwb ARGS`` with stdin, stdout and stderr on a pseudo-terminal; ``reply``: (prompt,
    answer): type the answer once the prompt is on the screen.  Returns (exit code, screen)."""
    pid, fd = pty.fork()
    if pid == 0:  # the child: becomes hwb
        os.execve(sys.executable, [sys.executable, "-m", "headless_wheel_builder", *args], env)
    screen = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            try:
                data = os.read(fd, 65536)
            except OSError:
                break
            if not data:
                break
            screen += data
            if reply is not None and reply[0] in screen:
                os.write(fd, reply[1])
                reply = None
        else:
            done, _ = os.waitpid(pid, os.WNOHANG)
            if done:
                break
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    return os.waitstatus_to_exitcode(status), screen.decode("utf-8", "replace")
