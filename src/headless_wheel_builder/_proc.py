"""The only module that starts processes (STYLE.md §6), and what processes own.

Commands are argument lists, never shell strings.  Output is captured line by line into
a log file (when given) and a bounded tail kept in memory; with ``stream=True`` each line is
also echoed to stderr as it arrives.  On failure :class:`ProcessFailed` carries the command,
its exit code, the tail of its output and the log path, for the caller to wrap in a stage
error.

The processes a build starts die with hwb, even when hwb is SIGKILLed (an out-of-memory kill,
a cancelled CI job) and cannot clean up.  Every child runs in its own process group and
carries ``HWB_OWNER=<pid>-<start>`` (this process's owner token) in its environment, which its
own children (compilers) inherit.  On POSIX the first child also starts a tiny watchdog: a
separate Python process in its own session that reads a pipe from hwb and is told each child's
group as it starts and ends.  When the pipe closes without hwb's orderly ``exit`` line, hwb
is gone: the watchdog kills the groups still running and, on Linux, every process whose
environment carries the owner token (a grandchild that left the group too), runs the clean-up
commands it was given (:func:`on_death`: removing a build container), then exits.
Children also get a private temporary folder (``TMPDIR``, ``TEMP``, ``TMP``) named after the
owner, removed when hwb exits and, after a kill, by the next run (:func:`remove_abandoned`).
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Protocol

from headless_wheel_builder._log import Redactor, logger, printable

#: How many trailing output lines a failure keeps for its message.
TAIL_LINES = 50

StrPath = str | os.PathLike[str]

#: Appended to the output of a hook that was stopped by its timeout.
TIMEOUT_MARKER = "hwb: stopped: timed out after"
#: Output is read in lines of at most this many characters: a child printing gigabytes without
#: a newline never makes one string of them.
MAX_LINE = 64 * 1024
#: A log file stops growing at this size (a marker says so); the tail is still kept in memory.
MAX_LOG_BYTES = 64 * 1024 * 1024
#: After the child exits, how long its output may stay open (something it started in the
#: background still holds the pipe) before hwb stops that process group and stops waiting.
DRAIN_AFTER_EXIT = 2.0


@dataclass(frozen=True)
class ProcResult:
    args: tuple[str, ...]
    returncode: int
    output: str
    """The captured output (stdout and stderr interleaved), or its tail when long."""


class ProcessFailed(Exception):
    """A command exited non-zero, timed out, or could not be started."""

    def __init__(
        self,
        args: Sequence[str],
        returncode: int | None,
        tail: str,
        log_path: Path | None = None,
        *,
        timed_out: bool = False,
        not_found: bool = False,
    ) -> None:
        super().__init__(f"command {args[0]!r} exited with {returncode}")
        self.args_list = tuple(args)
        self.returncode = returncode
        self.tail = tail
        self.log_path = log_path
        self.timed_out = timed_out
        self.not_found = not_found


# Every child hwb started that has not been waited for, so that a signal stops them all, from
# whichever thread started them (a matrix runs builds in worker threads).  Reentrant: the signal
# handler runs in the main thread, possibly while that thread holds the lock.
_LIVE: set[subprocess.Popen[str]] = set()
_LIVE_LOCK = threading.RLock()


def stop_all() -> int:
    """Kill the process tree of every child still running; return how many there were.

    Called by the CLI's signal handlers (SIGINT, SIGTERM, SIGHUP) before the main thread
    unwinds, so worker threads waiting on their children see them end at once."""
    with _LIVE_LOCK:
        live = list(_LIVE)
    for proc in live:
        _kill_tree(proc)
    return len(live)


@contextlib.contextmanager
def deadline(seconds: float | None) -> Iterator[None]:
    """The block, all of it, may take ``seconds`` (``--timeout``): then every process tree hwb
    started is stopped and a ``KeyboardInterrupt`` carrying ``timed_out`` is raised in the main
    thread, to unwind like Ctrl-C (callers turn it into ``CommandTimeout``, exit 124).

    A real signal (SIGALRM) interrupts whatever the main thread waits on — a child, a download,
    a lock.  Only in the main thread, only where SIGALRM exists (not on Windows: there each step
    keeps its own timeout), and never over a SIGALRM handler someone else installed."""
    if (
        not seconds
        or seconds <= 0
        or not hasattr(signal, "setitimer")
        or threading.current_thread() is not threading.main_thread()
        or signal.getsignal(signal.SIGALRM) not in (signal.SIG_DFL, None)
    ):
        yield
        return

    def _expired(signum: int, frame: object) -> None:
        signal.setitimer(signal.ITIMER_REAL, 0)
        stop_all()
        interrupt = KeyboardInterrupt(f"timed out after {seconds:g} seconds")
        interrupt.timed_out = seconds  # type: ignore[attr-defined]  # read by errors.timed_out_after
        raise interrupt

    previous = signal.signal(signal.SIGALRM, _expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def which(name: str, path: str | None = None) -> str | None:
    """``shutil.which`` (kept here so callers need nothing from subprocess-land)."""
    return shutil.which(name, path=path)


def _merged_env(env: Mapping[str, str] | None, extra_env: Mapping[str, str] | None) -> dict[str, str]:
    merged = dict(os.environ if env is None else env)
    merged[OWNER_VAR] = owner_token()
    private_tmp = _children_tmpdir()
    if private_tmp is not None:
        merged.update(dict.fromkeys(("TMPDIR", "TEMP", "TMP"), str(private_tmp)))
    if extra_env:
        merged.update(extra_env)
    return merged


def run(
    args: Sequence[StrPath],
    *,
    cwd: StrPath | None = None,
    env: Mapping[str, str] | None = None,
    extra_env: Mapping[str, str] | None = None,
    stream: bool = False,
    log_file: Path | None = None,
    timeout: float | None = None,
    check: bool = True,
    stdin_data: str | None = None,
    tail_lines: int = TAIL_LINES,
    echo: Callable[[str], None] | None = None,
) -> ProcResult:
    """Run ``args`` and wait for it, capturing combined output.

    ``env`` replaces the environment (default: inherit); ``extra_env`` is laid over it.
    ``stream`` echoes every line to stderr (or to ``echo``) while it runs.  ``log_file``
    receives every line (appended).  Raises :class:`ProcessFailed` on a non-zero exit when
    ``check`` is true, on a timeout, or when the program does not exist.
    """
    argv = tuple(os.fspath(a) for a in args)
    scrub = Redactor()
    lines = _Lines(tail_lines)
    log = _open_log(log_file, argv, scrub)
    emit = echo if echo is not None else _to_stderr
    full_env = _merged_env(env, extra_env)
    try:
        proc = _start(argv, cwd=cwd, env=full_env, stdin_data=stdin_data, log_file=log_file)
        with _LIVE_LOCK:
            _LIVE.add(proc)
        _tell_watchdog(f"+{proc.pid}")
        timed_out = threading.Event()
        timer = _watchdog(proc, timeout, timed_out)
        try:
            returncode = _pump(proc, stdin_data, scrub, lines, log, emit if stream else None)
        finally:
            with _LIVE_LOCK:
                _LIVE.discard(proc)
            _tell_watchdog(f"-{proc.pid}")
            if timer is not None:
                timer.cancel()
    finally:
        if log is not None:
            log.close()

    output = lines.text()
    if timed_out.is_set():
        raise ProcessFailed(argv, returncode, output, log_file, timed_out=True)
    if check and returncode != 0:
        raise ProcessFailed(argv, returncode, output, log_file)
    return ProcResult(argv, returncode, output)


class _Lines:
    """The output kept for the result: the last ``tail_lines`` lines, or all when <= 0."""

    def __init__(self, tail_lines: int) -> None:
        self.keep: deque[str] = deque(maxlen=max(tail_lines, 1))
        self.everything: list[str] | None = [] if tail_lines <= 0 else None
        self.frozen = False

    def add(self, line: str) -> None:
        if self.frozen:
            return
        self.keep.append(line)
        if self.everything is not None:
            self.everything.append(line)

    def text(self) -> str:
        return "".join(self.everything if self.everything is not None else self.keep)


def _to_stderr(line: str) -> None:
    # A child's output is shown, never acted on: no terminal control sequences get through.
    sys.stderr.write(printable(line.rstrip("\n")) + ("\n" if line.endswith("\n") else ""))
    sys.stderr.flush()


class _Log:
    """A log file that stops growing at :data:`MAX_LOG_BYTES` and says so."""

    def __init__(self, file: IO[str]) -> None:
        self.file = file
        self.left = MAX_LOG_BYTES - file.tell()

    def write(self, text: str) -> None:
        if self.left <= 0:
            return
        self.left -= len(text)
        self.file.write(text)
        if self.left <= 0:
            self.file.write(
                f"\nhwb: log truncated at {MAX_LOG_BYTES:,} characters; "
                "the end of the output is in the error message\n"
            )

    def close(self) -> None:
        self.file.close()


def _open_log(log_file: Path | None, argv: tuple[str, ...], scrub: Redactor) -> _Log | None:
    if log_file is None:
        return None
    log_file.parent.mkdir(parents=True, exist_ok=True)
    log = _Log(open(log_file, "a", encoding="utf-8", errors="replace"))  # noqa: SIM115
    log.write(scrub(f"$ {' '.join(argv)}\n"))
    log.file.flush()
    return log


def _start(
    argv: tuple[str, ...],
    *,
    cwd: StrPath | None,
    env: dict[str, str],
    stdin_data: str | None,
    log_file: Path | None,
) -> subprocess.Popen[str]:
    try:
        return subprocess.Popen(
            argv,
            cwd=os.fspath(cwd) if cwd is not None else None,
            env=env,
            stdin=subprocess.PIPE if stdin_data is not None else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            encoding="utf-8",
            errors="replace",
            bufsize=1,
            # Its own process group, so a timeout or Ctrl-C also stops what it started.
            start_new_session=os.name == "posix",
        )
    except (FileNotFoundError, PermissionError, NotADirectoryError) as exc:
        raise ProcessFailed(argv, None, str(exc), log_file, not_found=True) from exc


def _watchdog(
    proc: subprocess.Popen[str], timeout: float | None, timed_out: threading.Event
) -> threading.Timer | None:
    """A timer that kills ``proc``'s process tree after ``timeout`` seconds (and says so)."""
    if timeout is None:
        return None

    def _kill() -> None:
        timed_out.set()
        _kill_tree(proc)

    timer = threading.Timer(timeout, _kill)
    timer.daemon = True
    timer.start()
    return timer


def _pump(
    proc: subprocess.Popen[str],
    stdin_data: str | None,
    scrub: Redactor,
    lines: _Lines,
    log: _Log | None,
    emit: Callable[[str], None] | None,
) -> int:
    """Feed stdin, read every line until the child exits, and return its exit code.

    Lines are read by a thread while this one waits for the child: once the child has exited,
    a process it left in the background that still holds the output open (a daemon) gets
    :data:`DRAIN_AFTER_EXIT` seconds, then its process group is stopped — the build is over and
    hwb does not wait for it."""
    assert proc.stdout is not None
    stdout = proc.stdout

    def _read() -> None:
        for raw_line in iter(lambda: stdout.readline(MAX_LINE), ""):
            # Whatever a child prints is redacted before it is kept, logged or shown.
            line = scrub(raw_line)
            lines.add(line)
            if log is not None:
                log.write(line)
            if emit is not None:
                emit(line)

    reader = threading.Thread(target=_read, name="hwb-output", daemon=True)
    reader.start()
    try:
        if stdin_data is not None and proc.stdin is not None:
            with contextlib.suppress(BrokenPipeError):
                proc.stdin.write(stdin_data)
                proc.stdin.close()
        returncode = proc.wait()
        reader.join(DRAIN_AFTER_EXIT)
        if reader.is_alive():
            _kill_tree(proc)
            reader.join(DRAIN_AFTER_EXIT)
        if reader.is_alive():  # it left our process group: keep what was read, stop listening
            lines.frozen = True
            if log is not None:
                log.left = 0
        else:
            stdout.close()
        return returncode
    except BaseException:
        # Ctrl-C or any error while waiting: never leave the child behind.
        _kill_tree(proc)
        proc.wait()
        reader.join(DRAIN_AFTER_EXIT)
        raise


def capture(
    args: Sequence[StrPath],
    *,
    cwd: StrPath | None = None,
    env: Mapping[str, str] | None = None,
    extra_env: Mapping[str, str] | None = None,
    timeout: float | None = None,
    check: bool = True,
) -> ProcResult:
    """Run ``args`` quietly and return *all* of its output (for short, parseable output)."""
    return run(args, cwd=cwd, env=env, extra_env=extra_env, timeout=timeout, check=check, tail_lines=0)


class HookRunner(Protocol):
    """pyproject-hooks' subprocess runner signature."""

    def __call__(
        self, cmd: Sequence[str], cwd: str | None = None, extra_environ: Mapping[str, str] | None = None
    ) -> None: ...


def _kill_tree(proc: subprocess.Popen[str]) -> None:
    """Kill ``proc`` and every process in its group: a backend's hanging compiler holds the
    output pipe open, and reading it would otherwise wait for that process to end."""
    if os.name == "posix":
        with contextlib.suppress(OSError):
            os.killpg(proc.pid, signal.SIGKILL)
    proc.kill()


def hook_runner(*, stream: bool, log_file: Path | None, timeout: float | None = None) -> HookRunner:
    """A ``pyproject_hooks`` subprocess runner that captures or streams backend output.

    A failing hook raises ``subprocess.CalledProcessError`` (what pyproject-hooks and
    pypa/build expect) with the output tail attached as ``.output``.
    """

    def _runner(
        cmd: Sequence[str], cwd: str | None = None, extra_environ: Mapping[str, str] | None = None
    ) -> None:
        mark_owned(Path(cmd[-1]))
        try:
            run(cmd, cwd=cwd, extra_env=extra_environ, stream=stream, log_file=log_file, timeout=timeout)
        except ProcessFailed as exc:
            tail = exc.tail
            if exc.timed_out:
                tail += f"\n{TIMEOUT_MARKER} {timeout:g} seconds\n"
            raise subprocess.CalledProcessError(
                exc.returncode if exc.returncode is not None else -1, list(cmd), output=tail
            ) from exc

    return _runner


def is_called_process_error(exc: BaseException) -> bool:
    """True for ``subprocess.CalledProcessError`` (so callers need not import subprocess)."""
    return isinstance(exc, subprocess.CalledProcessError)


# --- ownership: what this process made, and whether the maker of something is gone -----

#: Set in every child's environment to :func:`owner_token`; inherited by its children.
OWNER_VAR = "HWB_OWNER"
#: Written into a temporary folder that a library (pyproject-hooks) names for hwb.
OWNER_FILE = ".hwb-owner"
_OWNER_RE = re.compile(r"(?P<pid>\d+)-(?P<start>\d+)-")


def start_time(pid: int) -> str | None:
    """The start time of process ``pid`` in clock ticks since boot (Linux), else None."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return None
    # The command name (field 2) may hold spaces and parentheses: split after its last ")".
    fields = stat.rsplit(")", 1)[-1].split()
    return fields[19] if len(fields) > 19 else None


def owner_token() -> str:
    """``<pid>-<start>`` of this process (start ``0`` where it cannot be read): a name part
    that tells a later run whether the process that made something is still running."""
    return f"{os.getpid()}-{start_time(os.getpid()) or 0}"


def owner_gone(pid: int, start: str) -> bool:
    """True when process ``pid`` (started at ``start``, ``0`` = unknown) no longer runs; a
    reused process id has another start time (Linux)."""
    if start != "0" and Path("/proc").is_dir():
        return start_time(pid) != start
    if os.name != "posix":
        return False  # os.kill(pid, 0) is not a probe on Windows: keep it
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:  # it exists, owned by someone else
        return False
    return False


def abandoned(name: str, prefix: str) -> bool:
    """True when ``name`` is ``<prefix><pid>-<start>-…`` (``prefix`` a regular expression)
    and that process is gone."""
    match = re.match(prefix, name)
    owner = _OWNER_RE.match(name, match.end()) if match else None
    return owner is not None and owner_gone(int(owner["pid"]), owner["start"])


def mark_owned(folder: Path) -> None:
    """Leave this process's owner token in ``folder`` when it is a temporary folder that
    another library named (pyproject-hooks' ``tmp*`` hook folders), so that
    :func:`remove_abandoned` can tell it was left by a killed run."""
    parent = temp_root()
    if folder.parent == parent and folder.name.startswith("tmp") and (folder / "input.json").is_file():
        with contextlib.suppress(OSError):
            (folder / OWNER_FILE).write_text(owner_token(), encoding="ascii")
        _at_exit()
        with _lock:  # removed at exit if an interrupt cut its own clean-up short
            marked = _marked.setdefault(os.getpid(), [])
            marked[:] = [p for p in marked if p.exists()] + [folder]


def _abandoned_marked(path: Path) -> bool:
    try:
        token = (path / OWNER_FILE).read_text(encoding="ascii").strip()
    except OSError:
        return False
    owner = _OWNER_RE.match(token + "-")
    return owner is not None and owner_gone(int(owner["pid"]), owner["start"])


def remove_abandoned(folder: Path, prefix: str, *, marked: bool = False) -> list[Path]:
    """Remove the files and folders in ``folder`` named ``<prefix><pid>-<start>-…``
    (``prefix`` a regular expression) whose owner is gone, and with ``marked`` the ``tmp*``
    folders holding the owner file of a gone owner; return what was removed."""
    removed: list[Path] = []
    try:
        entries = list(folder.iterdir())
    except OSError:
        return removed
    for entry in entries:
        is_dir = entry.is_dir() and not entry.is_symlink()
        hook_folder = marked and is_dir and entry.name.startswith("tmp")
        if not (abandoned(entry.name, prefix) or (hook_folder and _abandoned_marked(entry))):
            continue
        if is_dir:
            shutil.rmtree(entry, ignore_errors=True)
        else:
            with contextlib.suppress(OSError):
                entry.unlink()
        if not entry.exists():
            removed.append(entry)
    return removed


# --- the watchdog: children die with hwb ------------------------------------------------

#: Run by ``python -I -S -c``: reads ``+PGID`` / ``-PGID`` (a child's group), ``!ARGV`` /
#: ``~ARGV`` (a clean-up command, JSON) and ``exit`` lines until hwb's end of the pipe closes,
#: then kills what is left and runs the clean-ups (see the module docstring).
_WATCHDOG = r"""# hwb watchdog: kills the build processes of hwb OWNER if it is killed
import json, os, signal, subprocess, sys
groups, cleanups, orderly = set(), [], False
for line in sys.stdin.buffer:
    line = line.strip()
    if line == b"exit":
        orderly = True
    elif line[:1] in (b"+", b"-") and line[1:].isdigit():
        (groups.add if line[:1] == b"+" else groups.discard)(int(line[1:]))
    elif line[:1] == b"!":
        cleanups.append(json.loads(line[1:]))
    elif line[:1] == b"~" and json.loads(line[1:]) in cleanups:
        cleanups.remove(json.loads(line[1:]))
for group in groups:
    try:
        os.killpg(group, signal.SIGKILL)
    except OSError:
        pass
marker, me = b"HWB_OWNER=" + sys.argv[1].encode(), str(os.getpid())
for _ in range(20 if not orderly and os.path.isdir("/proc") else 0):
    found = 0
    for pid in os.listdir("/proc"):
        if not pid.isdigit() or pid == me:
            continue
        try:
            with open("/proc/" + pid + "/environ", "rb") as fh:
                if marker not in fh.read().split(b"\0"):
                    continue
            os.kill(int(pid), signal.SIGKILL)
            found += 1
        except OSError:
            pass
    if not found:
        break
for argv in cleanups:
    try:
        subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, timeout=120)
    except Exception:
        pass
"""

_lock = threading.Lock()
#: This process's watchdog and children's temporary folder, keyed by the pid that made them
#: (a forked child makes its own).
_watchdogs: dict[int, subprocess.Popen[bytes]] = {}
_children_tmp: dict[int, Path] = {}
_exit_registered: list[bool] = []
_marked: dict[int, list[Path]] = {}
#: The user's temporary folder, kept once :func:`own_tempfiles` points ``tempfile`` elsewhere.
_temp_root: list[Path] = []


def on_death(argv: Sequence[str]) -> None:
    """Have this process's watchdog run ``argv`` (``docker rm -f NAME``) should hwb end
    without calling :func:`cancel_on_death` first: what outlives hwb's processes (a container)."""
    _tell_watchdog("!" + json.dumps(list(argv)))


def cancel_on_death(argv: Sequence[str]) -> None:
    """Undo :func:`on_death` (hwb did the clean-up itself)."""
    _tell_watchdog("~" + json.dumps(list(argv)))


def _tell_watchdog(line: str) -> None:
    """Send ``line`` to this process's watchdog, starting it first (POSIX only)."""
    if os.name != "posix" or getattr(sys, "frozen", False):
        return
    with _lock:
        dog = _watchdogs.get(os.getpid())
        if dog is None or dog.poll() is not None:
            dog = _start_watchdog()
            if dog is None:
                return
        try:
            assert dog.stdin is not None
            dog.stdin.write(f"{line}\n".encode("ascii"))
            dog.stdin.flush()
        except OSError as exc:
            logger.debug("the process watchdog is gone: %s", exc)


def _start_watchdog() -> subprocess.Popen[bytes] | None:
    env = {k: v for k, v in os.environ.items() if k != OWNER_VAR}
    try:
        dog = subprocess.Popen(
            [sys.executable, "-I", "-S", "-c", _WATCHDOG, owner_token()],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,
            start_new_session=True,  # Ctrl-C or a kill of hwb's group does not reach it
        )
    except OSError as exc:
        logger.debug("could not start the process watchdog: %s", exc)
        return None
    _at_exit()
    _watchdogs[os.getpid()] = dog
    return dog


def _orderly_exit() -> None:
    """At exit: tell the watchdog this is no kill (it leaves daemons a build started alone),
    and remove the children's temporary folder and the hook folders an interrupt left — with
    SIGINT/SIGTERM/SIGHUP ignored meanwhile, so a signal arriving as hwb exits cannot cut the
    clean-up short and leave the folder behind."""
    previous: dict[int, Any] = {}
    try:
        for sig in (signal.SIGINT, signal.SIGTERM, getattr(signal, "SIGHUP", None)):
            if sig is not None:
                previous[sig] = signal.signal(sig, signal.SIG_IGN)
    except ValueError:  # not the main thread
        pass
    try:
        _clean_up_at_exit()
    finally:
        for sig, handler in previous.items():
            with contextlib.suppress(ValueError, TypeError):
                signal.signal(sig, handler)


def _clean_up_at_exit() -> None:
    with _lock:
        dog = _watchdogs.pop(os.getpid(), None)
        if dog is not None and dog.stdin is not None:
            with contextlib.suppress(OSError):
                dog.stdin.write(b"exit\n")
                dog.stdin.close()
        tmp = _children_tmp.pop(os.getpid(), None)
        marked = _marked.pop(os.getpid(), [])
        if _temp_root:
            tempfile.tempdir = str(_temp_root[0])
    for folder in [tmp, *marked] if tmp is not None else marked:
        shutil.rmtree(folder, ignore_errors=True)


def temp_root() -> Path:
    """The temporary folder as the user set it (``TMPDIR``…), also after :func:`own_tempfiles`."""
    return _temp_root[0] if _temp_root else Path(tempfile.gettempdir())


def own_tempfiles() -> None:
    """Put this process's own temporary files (``tempfile``'s default folder: pyproject-hooks'
    hook folders and the like) into the children's owner-named folder too.  For ``hwb`` run as
    a program, whose process is hwb's alone; a library caller's ``tempfile`` is left alone."""
    root = temp_root()
    with _lock:
        _temp_root[:] = [root]
    if _children_tmpdir() is None:
        with _lock:
            _temp_root.clear()


def _children_tmpdir() -> Path | None:
    """The private temporary folder of this process's children (made on first use)."""
    with _lock:
        folder = _children_tmp.get(os.getpid())
        if folder is not None and folder.is_dir():
            return folder
        try:
            folder = Path(tempfile.mkdtemp(prefix=f"hwb-tmp-{owner_token()}-", dir=temp_root()))
        except OSError:
            return None
        _at_exit()
        _children_tmp[os.getpid()] = folder
        if _temp_root:  # own_tempfiles: this process's temporary files go there as well
            tempfile.tempdir = str(folder)
        return folder


def _at_exit() -> None:
    if not _exit_registered:
        _exit_registered.append(True)
        atexit.register(_orderly_exit)
