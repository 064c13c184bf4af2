"""Run the documentation as written: every fenced block of a Markdown file, in order, in one folder.

A block runs by its language: ``console``/``bash``/``sh`` lines are shell commands (with ``$ ``
prompts, the lines after a command are its output as the docs show it, and they are compared);
``python`` blocks run in a fresh interpreter, as a reader would paste them.  Other blocks (files,
configuration, sample output) need a directive saying what to do with them.  Directives are HTML
comments (invisible on the rendered page) on the lines before a block:

``<!-- docs-test: skip: REASON -->``            the block is not run; REASON says why (a reason
                                                naming ``tests/…py::test_name`` must name a test
                                                that exists: the block is run there)
``<!-- docs-test: write: PATH -->``             the block is written to PATH (as a reader would)
``<!-- docs-test: append: PATH -->``            the block is appended to PATH
``<!-- docs-test: expect-in-file: PATH -->``    the block's lines are in PATH, in order
``<!-- docs-test: replace: OLD => NEW -->``     OLD becomes NEW in the next block before it runs
                                                (a loopback server for a public index, …)
``<!-- docs-test: exit: N -->``                 the next block's commands end with exit code N
``<!-- docs-test: any-order: yes -->``          the next block's output lines may come in any order
                                                (parallel jobs finish in either order)
``<!-- docs-test: run: COMMAND -->``            a shell command run at that point (what the prose
                                                around it tells the reader to do)
``<!-- docs-test: folder: PATH -->``            the folder the docs' output shows (once per file);
                                                the run's own folder is shown as PATH

``{name}`` in directives is replaced by the session's values (:attr:`Session.values`).
Compared output is normalised: durations, dates, commit ids and absolute paths outside the folder
become placeholders, runs of spaces one space; each line the docs show must appear in the real
output, in the same order (real output may have more lines, such as warnings).
"""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

DIRECTIVE = re.compile(r"^\s*<!--\s*docs-test:\s*(?P<name>[a-z-]+):\s*(?P<value>.*?)\s*-->\s*$")
FENCE = re.compile(r"^(?P<indent>\s*)```(?P<lang>[\w+-]*)\s*$")
SHELL = {"console", "bash", "sh", "shell"}


@dataclass
class Block:
    path: Path
    line: int
    lang: str
    text: str
    directives: list[tuple[str, str]] = field(default_factory=list)

    @property
    def where(self) -> str:
        return f"{self.path.name}:{self.line}"

    def directive(self, name: str) -> list[str]:
        return [value for key, value in self.directives if key == name]


@dataclass
class Run:
    """A ``run`` directive between blocks."""

    path: Path
    line: int
    command: str


def parse(path: Path) -> tuple[list[Block | Run], dict[str, str]]:
    """The blocks and ``run`` directives of ``path`` in order, and its file-wide directives."""
    lines = path.read_text(encoding="utf-8").splitlines()
    steps: list[Block | Run] = []
    pending: list[tuple[str, str]] = []
    file_wide: dict[str, str] = {}
    i = 0
    while i < len(lines):
        directive = DIRECTIVE.match(lines[i])
        fence = FENCE.match(lines[i])
        if directive:
            name, value = directive["name"], directive["value"]
            if name == "run":
                steps.append(Run(path, i + 1, value))
            elif name == "folder":
                file_wide[name] = value
            else:
                pending.append((name, value))
        elif fence:
            end = i + 1
            while not lines[end].strip().startswith("```"):
                end += 1
            indent = len(fence["indent"])
            body = "\n".join(line[indent:] for line in lines[i + 1 : end])
            steps.append(Block(path, i + 1, fence["lang"], body + "\n", pending))
            pending = []
            i = end
        i += 1
    assert not pending, f"{path.name}: directives after the last block: {pending}"
    return steps, file_wide


@dataclass
class Session:
    folder: Path
    env: dict[str, str]
    values: dict[str, str]
    shown_folder: str | None = None
    transcript: list[str] = field(default_factory=list)

    def expand(self, text: str) -> str:
        return re.sub(r"\{(\w+)\}", lambda m: self.values.get(m[1], m[0]), text)

    def shell(self, command: str, *, where: str, expect: int = 0) -> str:
        return self.run(["bash", "-o", "pipefail", "-c", command], f"`{command}`", where=where, expect=expect)

    def run(self, argv: list[str], what: str, *, where: str, expect: int = 0) -> str:
        """Run ``argv`` in the session's folder and environment; its output (stderr merged)."""
        done = subprocess.run(argv, cwd=self.folder, env=self.env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True, check=False, timeout=900)  # fmt: skip
        self.transcript.append(f"{where} {what}\n{done.stdout}")
        assert done.returncode == expect, (
            f"{where}: {what} exited with {done.returncode} (expected {expect}):\n{done.stdout}"
        )
        return done.stdout

    def normalise(self, text: str) -> list[str]:
        shown = self.shown_folder or str(self.folder)
        text = text.replace(str(self.folder), shown)
        text = re.sub(
            r"(?<![\w/.~-])/(?!" + re.escape(shown.lstrip("/")) + r")[\w.+-]+(?:/[\w.+-]+)+", "<path>", text
        )
        text = re.sub(r"\b\d+(?:\.\d+)?s\b", "<t>s", text)
        text = re.sub(r"\b\d{4}-\d{2}-\d{2}\b", "<date>", text)
        text = re.sub(r"\b[0-9a-f]{7,40}\b", "<hash>", text)
        return [re.sub(r"\s+", " ", line).strip() for line in text.splitlines() if line.strip()]

    def compare(self, shown: str, real: str, where: str, *, any_order: bool = False) -> None:
        want, got = self.normalise(shown), self.normalise(real)
        position = 0
        for line in want:
            try:
                position = 0 if any_order else got.index(line, position) + 1
                got.index(line)
            except ValueError:
                raise AssertionError(
                    f"{where}: the docs show\n  {line}\nwhich is not in the real output (in order):\n"
                    + "\n".join(f"  {g}" for g in got)
                ) from None


def console_commands(text: str) -> list[tuple[str, str]]:
    """``(command, output shown)`` pairs of a console block."""
    lines = text.splitlines()
    if not any(line.startswith("$ ") for line in lines):
        return [(line, "") for line in lines if line.strip() and not line.lstrip().startswith("#")]
    pairs: list[tuple[str, str]] = []
    continued = False
    for line in lines:
        if continued:  # the command goes on after a trailing backslash
            pairs[-1] = (pairs[-1][0][:-1] + " " + line.strip(), "")
        elif line.startswith("$ "):
            pairs.append((line[2:], ""))
        elif pairs:
            pairs[-1] = (pairs[-1][0], pairs[-1][1] + line + "\n")
        continued = bool(pairs) and not pairs[-1][1] and pairs[-1][0].endswith("\\")
    return pairs


def run_block(block: Block, session: Session, root: Path) -> str:
    """Run one block; returns what was done (for the report), raises AssertionError on a mismatch."""
    text = block.text
    for rule in block.directive("replace"):
        old, _, new = rule.partition(" => ")
        assert old in text, f"{block.where}: replace: {old!r} is not in the block"
        text = text.replace(old, session.expand(new))
    expect = int(block.directive("exit")[0]) if block.directive("exit") else 0
    if skip := block.directive("skip"):
        reason = skip[0]
        assert reason, f"{block.where}: a skipped block needs a reason"
        for test in re.findall(r"(tests/[\w/]+\.py)::(\w+)", reason):
            source = (root / test[0]).read_text(encoding="utf-8")
            assert f"def {test[1]}(" in source, f"{block.where}: {test[0]}::{test[1]} does not exist"
        return f"skipped: {reason}"
    for target in block.directive("write") + block.directive("append"):
        path = session.folder / session.expand(target)
        path.parent.mkdir(parents=True, exist_ok=True)
        mode = "a" if target in block.directive("append") else "w"
        with path.open(mode, encoding="utf-8") as fh:
            fh.write(text)
        return f"wrote {target}"
    for target in block.directive("expect-in-file"):
        path = session.folder / session.expand(target)
        session.compare(text, path.read_text(encoding="utf-8"), block.where)
        return f"compared with {target}"
    if block.lang in SHELL:
        for command, shown in console_commands(text):
            real = session.shell(command, where=block.where, expect=expect)
            if shown.strip():
                session.compare(shown, real, block.where, any_order=bool(block.directive("any-order")))
        return "ran"
    if block.lang == "python":
        session.run([sys.executable, "-c", text], "the Python example", where=block.where, expect=expect)
        return "ran"
    raise AssertionError(
        f"{block.where}: a {block.lang or 'plain'} block cannot run by itself: add a docs-test directive "
        "(write, append, expect-in-file, or skip with the reason)"
    )
