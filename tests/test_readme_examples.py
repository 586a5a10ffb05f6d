"""The README's examples, run against a live emulator, so the README cannot drift (after
go-httpbin's example_test.go).

Every fenced block in README.md is one test case, named by its section and line, and is
either checked or marked as not run:

- ```sh: curl transcripts. A line starting with ``curl``, ``for`` or ``NAME=`` begins a
  command (a trailing ``\\`` continues it onto the next line); the lines after it, up to
  the next command, are what it prints (stdout, then stderr, as a terminal shows them). The
  block's commands run in order in one ``bash``, real curl, with ``localhost:8000`` pointed
  at this module's emulator, whose state is put back before each block (no active scenario,
  counters, replies and journal cleared), so each block works on its own, as after a start.
  Every command must call ``localhost:8000``.
- ```python: a client snippet runs with ``http://127.0.0.1:8000`` replaced by the emulator's
  endpoint, and must not raise; a snippet of test functions using the ``aoai_emulator``
  fixture runs as a test file under pytest (``pytester``), and every test must pass.
- ```yaml: a scenario (it has ``rules``) loads with ``load_scenario_file``, anything else
  as a configuration file with ``load_config_file``, so a wrong key fails.
- ```text: the start banner is compared with ``emulator.cli.banner`` (and its snippet run);
  a ``$ aoai-emulator --config FILE`` transcript is replayed through ``emulator.cli.main``.
- A block that cannot run here (installing, the whole test suite, Docker) has the line
  ``<!-- not run: REASON -->`` before it, and is held to the files it stands for instead
  (``check_not_run``: .ci/run, pyproject's script, the Dockerfile).
- Anything else fails.

Outputs match loosely where the README says so, with ``…`` (U+2026):

- in a line of text, ``…`` stands for any text; a line of just ``…`` for any lines (or none);
- a line holding JSON (alone, or after a prefix such as ``data: ``, or before a suffix such
  as `` 429``) is compared as JSON, where the string ``"…"`` stands for any value, a member
  ``"…": "…"`` for any other members, an array element ``"…"`` for any elements (or none),
  and a string with ``…`` inside (``"chatcmpl-…"``) for any string with text there.
"""

from __future__ import annotations

import ast
import contextlib
import json
import os
import re
import secrets
import shlex
import subprocess
import textwrap
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openai
import pytest
import yaml

from emulator import cli
from emulator.faults.scenario import load_scenario_file
from emulator.settings import ConfigError, Settings, load_config_file
from support import running_emulator

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
SCENARIOS = ROOT / "scenarios"
ELLIPSIS = "…"
README_HOST = re.compile(r"\b(localhost|127\.0\.0\.1):8000\b")
NOT_RUN = re.compile(r"^<!-- not run: (?P<reason>.+?) -->$")
FENCE = re.compile(r"^(?P<indent>\s*)```(?P<lang>[^`\s]*)\s*$")
COMMAND_START = re.compile(r"^(curl\s|for\s|[A-Za-z_]\w*=)")

# The files the README's CLI transcripts are about, which it describes but does not show:
# the misspelt key on line 4 is what the transcript's message names.
TRANSCRIPT_FILES = {"emulator.yaml": "deployments:\n  chat:\n    model: gpt-4o\n    qouta: {tpm: 1000}\n"}


# -- the README's blocks -------------------------------------------------------------------


@dataclass
class Command:
    line: int  # README line of the command's first line
    text: str  # as the reader types it, continuation lines included
    expected: list[str]  # the lines the README shows it printing


@dataclass(frozen=True)
class Block:
    lang: str
    line: int  # README line of the opening fence
    section: str
    lines: list[str]  # the block's content, dedented to the fence
    not_run: str | None  # the marker's reason, if the block is marked

    @property
    def first_content_line(self) -> int:
        return self.line + 1

    @property
    def text(self) -> str:
        return "\n".join(self.lines) + "\n"

    @property
    def where(self) -> str:
        return f"README.md line {self.line} ({self.section})"

    @property
    def id(self) -> str:
        slug = re.sub(r"[^a-z0-9]+", "-", self.section.lower()).strip("-")
        return f"{slug}-line-{self.line}"


def readme_blocks(text: str) -> list[Block]:
    blocks: list[Block] = []
    section = "top"
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if re.match(r"^#{1,6}\s", line):  # a heading: block bodies are skipped whole below
            section = line.lstrip("#").strip()
        fence = FENCE.match(line)
        if fence is None:
            i += 1
            continue
        indent, lang = fence["indent"], fence["lang"]
        end = i + 1
        while end < len(lines) and lines[end].strip() != "```":
            end += 1
        body = [row[len(indent) :] if row.startswith(indent) else row for row in lines[i + 1 : end]]
        previous = next((lines[j].strip() for j in range(i - 1, -1, -1) if lines[j].strip()), "")
        marker = NOT_RUN.match(previous)
        blocks.append(Block(lang, i + 1, section, body, marker["reason"] if marker else None))
        i = end + 1
    return blocks


def sh_commands(block: Block) -> list[Command]:
    """The block's commands and what each prints; ValueError if the block is not a transcript."""
    commands: list[Command] = []
    lines = block.lines
    i = 0
    while i < len(lines):
        line = lines[i]
        if COMMAND_START.match(line):
            start, parts = i, [line]
            while parts[-1].endswith("\\") and i + 1 < len(lines):
                i += 1
                parts.append(lines[i])
            command = Command(block.first_content_line + start, "\n".join(parts), [])
            if not README_HOST.search(command.text):
                raise ValueError(f"line {command.line}: the command does not call localhost:8000")
            commands.append(command)
        elif commands:
            commands[-1].expected.append(line)
        elif line.strip():
            raise ValueError(f"line {block.first_content_line + i}: {line!r} is neither a command nor its output")
        i += 1
    if not commands:
        raise ValueError("no command in it")
    return commands


BLOCKS = readme_blocks(README.read_text("utf-8"))


# -- matching outputs ----------------------------------------------------------------------

_DECODER = json.JSONDecoder()
_NO_JSON = object()


def text_matches(expected: str, actual: str) -> bool:
    pattern = ".*".join(re.escape(part) for part in expected.split(ELLIPSIS))
    return re.fullmatch(pattern, actual, re.DOTALL) is not None


def _json_in(line: str) -> tuple[str, Any, str]:
    """``line`` as (prefix, JSON value, suffix), or the value _NO_JSON if it holds none."""
    starts = [i for i in (line.find("{"), line.find("[")) if i >= 0]
    if starts:
        start = min(starts)
        try:
            value, end = _DECODER.raw_decode(line, start)
        except ValueError:
            pass
        else:
            return line[:start], value, line[end:]
    return line, _NO_JSON, ""


def json_mismatch(expected: Any, actual: Any, path: str = "$") -> str | None:
    """Where ``actual`` differs from ``expected`` (with its … placeholders), or None."""
    if expected == ELLIPSIS:
        return None
    if isinstance(expected, str) and ELLIPSIS in expected:
        ok = isinstance(actual, str) and text_matches(expected, actual)
        return None if ok else f"{path}: {actual!r} does not match {expected!r}"
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return f"{path}: expected an object, got {actual!r}"
        loose = expected.get(ELLIPSIS) == ELLIPSIS
        keys = [k for k in expected if not (loose and k == ELLIPSIS)]
        missing = [k for k in keys if k not in actual]
        extra = [] if loose else [k for k in actual if k not in expected]
        if missing or extra:
            return f"{path}: missing {missing}, unexpected {extra}"
        for key in keys:
            if (problem := json_mismatch(expected[key], actual[key], f"{path}.{key}")) is not None:
                return problem
        return None
    if isinstance(expected, list):
        if not isinstance(actual, list):
            return f"{path}: expected an array, got {actual!r}"
        if ELLIPSIS not in expected:
            if len(actual) != len(expected):
                return f"{path}: {len(actual)} elements, not {len(expected)}"
            return next(
                (p for i, (e, a) in enumerate(zip(expected, actual)) if (p := json_mismatch(e, a, f"{path}[{i}]"))),
                None,
            )
        return None if _list_matches(expected, actual, path) else f"{path}: {actual!r} does not match {expected!r}"
    same_kind = isinstance(expected, bool) == isinstance(actual, bool) and (expected is None) == (actual is None)
    return None if same_kind and expected == actual else f"{path}: expected {expected!r}, got {actual!r}"


def _list_matches(expected: list[Any], actual: list[Any], path: str) -> bool:
    if not expected:
        return not actual
    if expected[0] == ELLIPSIS:  # any elements, or none
        return any(_list_matches(expected[1:], actual[i:], path) for i in range(len(actual) + 1))
    return (
        bool(actual)
        and json_mismatch(expected[0], actual[0], path) is None
        and _list_matches(expected[1:], actual[1:], path)
    )


def line_mismatch(expected: str, actual: str) -> str | None:
    expected, actual = expected.strip(), actual.strip()
    prefix, value, suffix = _json_in(expected)
    if value is _NO_JSON:
        return None if text_matches(expected, actual) else f"{actual!r} does not match {expected!r}"
    if not actual.startswith(prefix):
        return f"{actual[:80]!r} does not start with {prefix!r}"
    try:
        got, end = _DECODER.raw_decode(actual, len(prefix))
    except ValueError:
        return f"no JSON after {prefix!r} in {actual[:120]!r}"
    if (problem := json_mismatch(value, got)) is not None:
        return problem
    return None if text_matches(suffix.strip(), actual[end:].strip()) else f"{actual[end:]!r} does not match {suffix!r}"


def lines_mismatch(expected: list[str], actual: list[str]) -> str | None:
    """Why ``actual`` does not match ``expected`` line by line, or None; a line of … is any lines."""
    best: list[str] = []

    def match(e: int, a: int) -> bool:
        if e == len(expected):
            if a != len(actual):
                best.append(f"unexpected line {a + 1}: {actual[a]!r}")
            return a == len(actual)
        if expected[e].strip() == ELLIPSIS:
            return any(match(e + 1, i) for i in range(a, len(actual) + 1))
        if a == len(actual):
            best.append(f"line {a + 1} missing: {expected[e]!r}")
            return False
        problem = line_mismatch(expected[e], actual[a])
        if problem is not None:
            best.append(f"line {a + 1}: {problem}")
            return False
        return match(e + 1, a + 1)

    return None if match(0, 0) else best[0]


def trimmed(lines: list[str]) -> list[str]:
    lines = [line.rstrip() for line in lines]
    while lines and not lines[-1]:
        lines.pop()
    return lines


# -- the emulator the examples talk to -----------------------------------------------------


@pytest.fixture(scope="module")
def readme_endpoint() -> Iterator[str]:
    """An emulator on the built-in defaults, as `aoai-emulator` starts. The module's own, not
    the session's: the examples change its state (the active scenario, scripted replies)."""
    with running_emulator(Settings.build()) as url:
        yield url


def as_after_a_start(endpoint: str) -> None:
    """Put back what the examples change, so each block runs as on a fresh emulator."""
    # urllib, a connection per call: a body-less request on a reused httpx connection waits
    # about 40 ms here (delayed ACK), and this runs before every block.
    for method, path, body in [
        ("PUT", "/_emulator/scenarios/active", b'{"name": null}'),
        ("POST", "/_emulator/scenarios/reset", None),
        ("DELETE", "/_emulator/replies", None),
        ("DELETE", "/_emulator/requests", None),
    ]:
        with urllib.request.urlopen(urllib.request.Request(endpoint + path, body, method=method), timeout=10):
            pass


# -- running each kind of block ------------------------------------------------------------


def run_sh(block: Block, endpoint: str) -> None:
    commands = sh_commands(block)
    host_port = endpoint.removeprefix("http://")
    port = host_port.rsplit(":", 1)[1]
    token = secrets.token_hex(8)
    # One shell for the block, as in the reader's terminal (a variable set by one command is
    # there for the next); each command's stderr joins its stdout, then a separator line
    # with its exit status.
    script = "".join(
        f"{{ {README_HOST.sub(lambda m: f'{m[1]}:{port}', c.text)}\n}} 2>&1\nprintf '\\n{token} %s\\n' \"$?\"\n"
        for c in commands
    )
    env = {**os.environ, "NO_PROXY": "localhost,127.0.0.1", "no_proxy": "localhost,127.0.0.1"}
    done = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=60, env=env)
    outputs = done.stdout.split(f"\n{token} ")
    problems = []
    for i, command in enumerate(commands):
        assert i + 1 < len(outputs), f"{block.where}: the shell stopped at line {command.line}: {done.stderr}"
        printed, status = outputs[i], outputs[i + 1].split("\n", 1)[0]
        outputs[i + 1] = outputs[i + 1].split("\n", 1)[1] if "\n" in outputs[i + 1] else ""
        printed = printed.replace(f"localhost:{port}", "localhost:8000").replace(f"127.0.0.1:{port}", "127.0.0.1:8000")
        actual = trimmed(printed.split("\n")) if printed.strip() else []
        problem = lines_mismatch(trimmed(command.expected), actual)
        if problem is not None:
            problems.append(
                f"README.md line {command.line}: {command.text.splitlines()[0]}\n"
                f"  {problem}\n  exit status {status}; it printed:\n"
                + textwrap.indent("\n".join(actual) or "(nothing)", "    ")
                + "\n  the README shows:\n"
                + textwrap.indent("\n".join(command.expected) or "(nothing)", "    ")
            )
    if problems:
        # The README's lines and both outputs say it all; the test's own traceback would not.
        pytest.fail(f"{block.where}:\n" + "\n".join(problems), pytrace=False)


def run_snippet(code: str, first_line: int, endpoint: str) -> None:
    """Run a client snippet; its tracebacks name README.md and the README's own lines."""
    source = "\n" * (first_line - 1) + code.replace("http://127.0.0.1:8000", endpoint)
    namespace: dict[str, Any] = {"__name__": "readme_example"}
    try:
        exec(compile(source, str(README), "exec"), namespace)
    finally:
        for value in namespace.values():
            if isinstance(value, (openai.OpenAI, openai.AzureOpenAI)):
                value.close()


def defines_plugin_tests(code: str) -> bool:
    tree = ast.parse(code)
    return any(
        isinstance(node, ast.FunctionDef)
        and node.name.startswith("test_")
        and "aoai_emulator" in [a.arg for a in node.args.args]
        for node in tree.body
    )


def run_plugin_tests(block: Block, pytester: pytest.Pytester) -> None:
    tests = [n for n in ast.parse(block.text).body if isinstance(n, ast.FunctionDef) and n.name.startswith("test_")]
    pytester.makepyfile(test_readme_example=block.text)
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=len(tests))  # the inner run's output is in the captured stdout


def run_yaml(block: Block, tmp_path: Path) -> None:
    data = yaml.safe_load(block.text)
    if isinstance(data, dict) and "rules" in data:
        path = tmp_path / "scenario.yaml"
        path.write_text(block.text, "utf-8")
        load_scenario_file(path)
    else:
        path = tmp_path / "emulator.yaml"
        path.write_text(block.text, "utf-8")
        load_config_file(path)


def run_text(
    block: Block, endpoint: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    first = block.lines[0] if block.lines else ""
    if re.match(r"^aoai-emulator \S+ listening on ", first):
        shown = "\n".join(trimmed(block.lines))
        assert shown == cli.banner("http://127.0.0.1:8000", Settings.build()).rstrip(), block.where
        # The snippet in it, pasted as the banner invites.
        snippet = textwrap.dedent("\n".join(block.lines[2:]))
        run_snippet(snippet, block.first_content_line + 2, endpoint)
        return
    if first.startswith("$ aoai-emulator "):
        args = shlex.split(first.removeprefix("$ aoai-emulator "))
        for name, content in TRANSCRIPT_FILES.items():
            (tmp_path / name).write_text(content, "utf-8")
        monkeypatch.chdir(tmp_path)
        if "--config" in args:
            # A file that loads would make main() serve for ever; this transcript is of one that doesn't.
            with pytest.raises(ConfigError):
                load_config_file(Path(args[args.index("--config") + 1]))
        capsys.readouterr()
        cli.main(args)
        captured = capsys.readouterr()
        actual = trimmed((captured.out + captured.err).splitlines())
        problem = lines_mismatch(trimmed(block.lines[1:]), actual)
        assert problem is None, f"{block.where}: {problem}\nit printed:\n" + "\n".join(actual)
        return
    pytest.fail(f"{block.where}: a ```text block that is neither checked nor marked <!-- not run: reason -->")


def check_not_run(block: Block) -> None:
    """A block that cannot run here is still held to the files it stands for."""
    command = block.text.strip()
    if command == "pip install '.[test]' && pytest":
        ci = (ROOT / ".ci" / "run").read_text().strip().splitlines()
        assert ci[-1] == command, f"{block.where}: .ci/run runs {ci[-1]!r}"
    elif command == "pip install . && aoai-emulator":
        from setuptools.config.pyprojecttoml import read_configuration

        scripts = read_configuration(ROOT / "pyproject.toml")["project"]["scripts"]
        assert scripts.get("aoai-emulator") == "emulator.cli:main", f"{block.where}: no aoai-emulator script"
        defaults = cli.parser().parse_args([])
        assert (defaults.host, defaults.port, defaults.config, defaults.scenario) == ("127.0.0.1", 8000, None, None)
    elif command.startswith("docker build -t aoai-emulator . && docker run"):
        dockerfile = (ROOT / "Dockerfile").read_text()
        assert "EXPOSE 8000" in dockerfile and '"aoai-emulator"' in dockerfile, f"{block.where}: the Dockerfile differs"
        assert "-p 8000:8000 aoai-emulator" in command
    else:
        pytest.fail(f"{block.where}: a block marked not run that nothing checks: {command!r}")


@pytest.mark.parametrize("block", BLOCKS, ids=[b.id for b in BLOCKS])
def test_readme_example(
    block: Block,
    request: pytest.FixtureRequest,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if block.not_run is not None:
        check_not_run(block)
        return
    if block.lang in ("sh", "bash", "shell", "console"):
        try:
            sh_commands(block)
        except ValueError as exc:
            pytest.fail(
                f"{block.where}: a ```{block.lang} block that is not a curl transcript ({exc}) and is not marked <!-- not run: reason -->"
            )
        endpoint = request.getfixturevalue("readme_endpoint")
        as_after_a_start(endpoint)
        run_sh(block, endpoint)
    elif block.lang == "python":
        if defines_plugin_tests(block.text):
            run_plugin_tests(block, request.getfixturevalue("pytester"))
        else:
            endpoint = request.getfixturevalue("readme_endpoint")
            as_after_a_start(endpoint)
            run_snippet(block.text, block.first_content_line, endpoint)
    elif block.lang in ("yaml", "yml"):
        run_yaml(block, tmp_path)
    elif block.lang == "text":
        endpoint = request.getfixturevalue("readme_endpoint")
        as_after_a_start(endpoint)
        run_text(block, endpoint, tmp_path, capsys, monkeypatch)
    else:
        pytest.fail(
            f"{block.where}: a ```{block.lang or '(untagged)'} block that is neither run nor marked <!-- not run: reason -->"
        )


# -- the matching and the markers themselves -----------------------------------------------


@pytest.mark.parametrize(
    ("expected", "actual", "matches"),
    [
        (['{"id":"…","n":1}'], ['{"id":"chatcmpl-1","n":1}'], True),
        (['{"id":"chatcmpl-…"}'], ['{"id":"resp-1"}'], False),
        (['{"n":1}'], ['{"n":1,"m":2}'], False),
        (['{"n":1,"…":"…"}'], ['{"m":2,"n":1}'], True),
        (['{"n":1,"…":"…"}'], ['{"m":2}'], False),
        (['["a","…"]'], ['["a","b","c"]'], True),
        (['["a"]'], ['["a","b"]'], False),
        (['{"ok":true}'], ['{"ok":1}'], False),
        (['data: {"a":1}'], ['data: {"a": 1}'], True),
        (['{"a":1}', "429"], ['{"a":1}', "430"], False),
        (["took … ms"], ["took 12 ms"], True),
        (["a", "…", "z"], ["a", "b", "c", "z"], True),
        (["a", "…", "z"], ["a", "b"], False),
        ([], ["something"], False),
    ],
)
def test_outputs_match_only_where_the_readme_says_so(expected: list[str], actual: list[str], matches: bool) -> None:
    assert (lines_mismatch(expected, actual) is None) is matches


def test_a_block_neither_runnable_nor_marked_is_found() -> None:
    text = "## Start\n\n```sh\npip install .\n```\n\n<!-- not run: a server -->\n```sh\naoai-emulator\n```\n"
    unmarked, marked = readme_blocks(text)
    assert (unmarked.section, unmarked.line, unmarked.not_run) == ("Start", 3, None)
    with pytest.raises(ValueError, match="neither a command nor its output"):
        sh_commands(unmarked)
    assert marked.not_run == "a server"


# -- what must have an example -------------------------------------------------------------


def runnable_commands() -> list[Command]:
    commands = []
    for block in BLOCKS:
        if block.not_run is None and block.lang == "sh":
            with contextlib.suppress(ValueError):
                commands.extend(sh_commands(block))
    return commands


def ready_made_scenarios() -> list[str]:
    return sorted(load_scenario_file(path).name for path in SCENARIOS.glob("*.yaml"))


@pytest.mark.parametrize("name", ready_made_scenarios())
def test_every_ready_made_scenario_has_an_example(name: str) -> None:
    header = re.compile(rf"x-emulator-scenario:\s*{re.escape(name)}\b(?!-)")
    assert any(header.search(c.text) for c in runnable_commands()), (
        f"no runnable curl example in README.md with the header x-emulator-scenario: {name}"
    )


def calls(command: Command) -> list[tuple[str, str]]:
    """(method, path) of each localhost:8000 URL in the command, as curl sends it (one method
    for the whole command: the README's commands call one endpoint each, or the same one in a loop)."""
    text = command.text.replace("\\\n", " ")
    explicit = re.search(r"(?:-X|--request)\s+(\w+)", text)
    method = explicit[1] if explicit else ("POST" if re.search(r"\s(-d|--data\S*)\s", text) else "GET")
    return [(method, m[1]) for m in re.finditer(r"localhost:8000(/[^\s'\"?]*)", text)]


def admin_routes() -> list[tuple[str, str]]:
    text = README.read_text("utf-8")
    section = text.split("\n## Admin API\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^\| `(GET|POST|PUT|DELETE) (/_emulator/[^`]*)` \|", section, re.MULTILINE)


def test_the_admin_table_is_found() -> None:
    assert len(admin_routes()) >= 10


@pytest.mark.parametrize(("method", "route"), admin_routes(), ids=[f"{m} {r}" for m, r in admin_routes()])
def test_every_admin_endpoint_has_an_example(method: str, route: str) -> None:
    pattern = re.compile(re.sub(r"\\\{\w+\\\}", "[^/]+", re.escape(route)) + "$")  # {name}: any one segment
    examples = [c for c in runnable_commands() if any(m == method and pattern.match(p) for m, p in calls(c))]
    assert examples, f"no runnable curl example in README.md for {method} {route}"
