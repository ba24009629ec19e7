"""The README's quick start and tour run as written (issue 13, item 19).

The test starts the service the way the quick start does (`.venv/bin/registry serve --demo`, on a free port and a
fresh database), pastes the `export` lines it printed where the tour shows them, then runs every command of the
README's sh blocks that talk to the demo (`localhost:8000`: the tour, the pool and the import examples) with
bash, the real curl and jq, in order, and compares each answer with the `#  …` lines the README shows under the
command. A JSON object shown is matched by the keys it shows, `...` in a list means "and more"; a command whose
answer is an HTTP error must show that status. Nothing else in a command is changed but the port."""

import json
import os
import re
import shlex
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app.models.interchange import COLUMNS
from tests.conftest import TEST_DATABASE_URL
from tests.factories import API, assert_problem, create_intervention

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DEMO = "localhost:8000"
MORE = "\u2026"  # what `...` in a shown answer stands for


# --- reading the README ------------------------------------------------------------------------------------


def sections(markdown: str) -> dict[str, str]:
    parts = re.split(r"^## (.+)$", markdown, flags=re.MULTILINE)
    return {title.strip(): body for title, body in zip(parts[1::2], parts[2::2], strict=True)}


def sh_blocks(markdown: str) -> list[str]:
    return re.findall(r"^```sh\n(.*?)^```", markdown, flags=re.MULTILINE | re.DOTALL)


@dataclass
class Command:
    text: str
    answer: list[str] = field(default_factory=list)  # the `#  …` lines under it, without the '#'

    @property
    def first_line(self) -> str:
        return self.text.splitlines()[0]


def _incomplete(text: str) -> bool:
    if text.rstrip().endswith(("\\", "|")):
        return True
    try:
        shlex.split(text, comments=True)
    except ValueError:  # an open quote: a body over several lines
        return True
    return False


def commands(block: str) -> list[Command]:
    lines, out, i = block.splitlines(), [], 0
    while i < len(lines):
        line = lines[i]
        if not line.strip() or line.lstrip().startswith("#"):
            i += 1
            continue
        text_lines = [line]
        while _incomplete("\n".join(text_lines)) and i + 1 < len(lines):
            i += 1
            text_lines.append(lines[i])
        i += 1
        command = Command("\n".join(text_lines))
        while i < len(lines) and lines[i].startswith("#  "):
            command.answer.append(lines[i][1:])
            i += 1
        out.append(command)
    return out


def demo_commands(markdown: str) -> list[Command]:
    """Every command of the sh blocks that talk to the local demo, in README order."""
    return [c for block in sh_blocks(markdown) if DEMO in block for c in commands(block)]


# --- comparing answers -------------------------------------------------------------------------------------


def json_stream(text: str) -> list:
    decoder, values, pos = json.JSONDecoder(), [], 0
    text = text.strip()
    while pos < len(text):
        value, end = decoder.raw_decode(text, pos)
        values.append(value)
        pos = end
        while pos < len(text) and text[pos].isspace():
            pos += 1
    return values


def shown_answer(lines: list[str]) -> list:
    """The JSON values a README answer shows: `"key": value, …` fragments are an object's keys; `...` ends a
    list that goes on (and is dropped from an object, whose shown keys are matched anyway)."""
    text = " ".join(line.strip() for line in lines)
    text = re.sub(r",\s*(\.\.\.|\u2026)\s*}", "}", text)
    text = re.sub(r",\s*(\.\.\.|\u2026)\s*]", f', "{MORE}"]', text)
    if re.match(r'^"[^"]*"\s*:', text):
        text = "{" + text + "}"
    return json_stream(text)


def matches(shown, actual) -> bool:
    if isinstance(shown, dict):
        return isinstance(actual, dict) and all(k in actual and matches(v, actual[k]) for k, v in shown.items())
    if isinstance(shown, list):
        if not isinstance(actual, list):
            return False
        if shown and shown[-1] == MORE:
            shown = shown[:-1]
            actual = actual[: len(shown)]
        return len(shown) == len(actual) and all(matches(s, a) for s, a in zip(shown, actual, strict=True))
    return shown == actual and type(shown) is type(actual)


# --- running the service as the quick start does ------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def fresh_database(tmp_path) -> Iterator[str]:
    """A database of its own, as on a fresh clone: ids start at 1 (the tour names intervention 23)."""
    url = make_url(TEST_DATABASE_URL)
    if url.get_backend_name() != "postgresql":
        yield f"sqlite:///{tmp_path / 'registry.db'}"
        return
    name = f"{url.database}_tour"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def quick_start_command() -> list[str]:
    """The README's serve command of the quick start, as arguments of the installed `registry`."""
    block = sh_blocks(sections(README.read_text(encoding="utf-8"))["Quick start"])[0]
    serve = block.strip().split("&&")[-1].split()
    assert serve[0] == ".venv/bin/registry", f"the quick start calls {serve[0]}, not .venv/bin/registry"
    return [str(Path(sys.executable).parent / "registry"), *serve[1:]]


@dataclass
class Server:
    port: int
    output: str


def start(database_url: str, port: int, workdir: Path, name: str) -> tuple[subprocess.Popen, Server]:
    env = {**os.environ, "DATABASE_URL": database_url}
    out = workdir / f"{name}.out"
    with out.open("w") as stdout, (workdir / f"{name}.err").open("w") as stderr:
        process = subprocess.Popen(
            [*quick_start_command(), "--port", str(port)], cwd=workdir, env=env, stdout=stdout, stderr=stderr
        )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"registry serve --demo ended: {(workdir / f'{name}.err').read_text()[-2000:]}")
        if "export AUTH=" in out.read_text():
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2, trust_env=False).status_code == 200:
                    return process, Server(port, out.read_text())
            except httpx.TransportError:
                pass
        time.sleep(0.3)
    process.terminate()
    pytest.fail("registry serve --demo did not come up in 120 s")


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def pasted(command: Command, printed: str) -> str:
    """An `export X=…` placeholder line of the README, replaced by the line the service printed for it."""
    if not command.text.startswith("export ") or "\u2026" not in command.text:
        return command.text
    line = re.sub(r"\s+#[^\"']*$", "", command.text)  # a trailing comment
    pattern = re.escape(line).replace("\u2026", r"\S+")
    found = [line.strip() for line in printed.splitlines() if re.fullmatch(pattern, line.strip())]
    assert found, f"`registry serve --demo` printed no line like the README's {command.text!r}:\n{printed}"
    return found[0]


def run_tour(cmds: list[Command], server: Server, workdir: Path) -> list[tuple[int, str, list[int]]]:
    """(exit status, output, HTTP statuses) of each command, run in order in one bash."""
    script = [
        "set -o pipefail",
        # The real curl, also telling the status of each answer on stderr.
        "curl() { command curl -w '%{stderr}@@http %{http_code}\\n' \"$@\"; }",
    ]
    for i, command in enumerate(cmds):
        script += [
            f"echo '@@cmd {i}'; echo '@@cmd {i}' >&2",
            pasted(command, server.output).replace(DEMO, f"localhost:{server.port}"),
            f"rc=$?; echo; echo '@@rc {i}' $rc",
        ]
    env = {k: v for k, v in os.environ.items() if k not in {"AUTH", "TOKEN"}}
    env.update(no_proxy="localhost,127.0.0.1", NO_PROXY="localhost,127.0.0.1")  # the demo is local
    done = subprocess.run(
        ["bash", "-c", "\n".join(script)], cwd=workdir, env=env, capture_output=True, text=True, timeout=600
    )
    outputs = re.split(r"^@@cmd \d+\n", done.stdout, flags=re.MULTILINE)[1:]
    errors = re.split(r"^@@cmd \d+\n", done.stderr, flags=re.MULTILINE)[1:]
    assert len(outputs) == len(cmds), done.stdout[-2000:] + done.stderr[-2000:]
    results = []
    for out, err in zip(outputs, errors, strict=True):
        body, rc = out.rsplit("@@rc ", 1)
        results.append((int(rc.split()[1]), body, [int(code) for code in re.findall(r"^@@http (\d+)$", err, re.M)]))
    return results


def test_the_quick_start_and_the_tour_run_as_written(fresh_database, tmp_path):
    markdown = README.read_text(encoding="utf-8")
    cmds = demo_commands(markdown)
    tour = [c.first_line for c in demo_commands(sections(markdown)["A short tour"])]
    assert len(tour) > 10 and len(cmds) > len(tour), "the tour's sh blocks were not found"
    assert all(c.answer for c in cmds if "| jq" in c.text), "a command that prints something shows its answer"

    process, server = start(fresh_database, _free_port(), tmp_path, "first")
    try:
        results = run_tour(cmds, server, tmp_path)
    finally:
        stop(process)
    for command, (rc, output, statuses) in zip(cmds, results, strict=True):
        where = f"README command:\n{command.text}\nanswered:\n{output[:3000]}"
        assert rc == 0, f"exit status {rc}; {where}"
        if "curl " in command.text:
            assert statuses, f"no HTTP answer; {where}"
        shown = shown_answer(command.answer) if command.answer else []
        shown_statuses = {v.get("status") for v in shown if isinstance(v, dict) and isinstance(v.get("status"), int)}
        for status in statuses:
            assert 200 <= status < 400 or status in shown_statuses, f"HTTP {status} not shown; {where}"
        if shown:
            actual = json_stream(output)
            assert len(actual) == len(shown) or (len(shown) == 1 and len(actual) == 1), where
            assert all(matches(s, a) for s, a in zip(shown, actual, strict=True)), f"shown {shown}; {where}"

    # Starting the demo again makes a new token, revokes the old one and says so.
    old = next(line.split("=", 1)[1] for line in server.output.split() if line.startswith("TOKEN="))
    process, again = start(fresh_database, server.port, tmp_path, "second")
    try:
        assert "revoked" in again.output
        base = f"http://127.0.0.1:{again.port}{API}/interventions/1"
        assert httpx.get(base, headers={"Authorization": f"Bearer {old}"}, trust_env=False).status_code == 401
        new = next(line.split("=", 1)[1] for line in again.output.split() if line.startswith("TOKEN="))
        assert new != old
        assert httpx.get(base, headers={"Authorization": f"Bearer {new}"}, trust_env=False).status_code == 200
    finally:
        stop(process)


def test_the_readme_lists_every_column_of_the_long_format():
    section = sections(README.read_text(encoding="utf-8"))["Bulk import and export"]
    listed = re.search(r"The columns:\n\n```\n(.*?)```", section, flags=re.DOTALL)
    assert listed, "the column list was not found"
    assert [c.strip() for c in listed.group(1).replace("\n", " ").split(",")] == COLUMNS


def test_the_answer_matching_is_strict_where_the_readme_is_specific():
    shown = shown_answer(['  "id": 1, "children": [2, 3],', '  "by_year": [{"year": 2019}, ...]'])
    assert shown == [{"id": 1, "children": [2, 3], "by_year": [{"year": 2019}, MORE]}]
    actual = {"id": 1, "name": "x", "children": [2, 3], "by_year": [{"year": 2019, "n": 1}, {"year": 2020}]}
    assert matches(shown[0], actual)
    assert not matches(shown[0], {**actual, "children": [2, 3, 4]})
    assert not matches(shown[0], {**actual, "id": "1"})
    assert not matches(shown[0], {**actual, "by_year": []})
    block = 'curl -sH "$AUTH" -X POST x -d \'{\n  "a": 1\n}\' | jq .\n#  {"a": 1}\n# (prose)\n#  not an answer'
    assert [(c.text.count("\n"), c.answer) for c in commands(block)] == [(2, ['  {"a": 1}'])]


def test_an_allocation_to_an_archived_intervention_says_it_is_archived(client):
    archived = create_intervention(client, kind="trial_action", status="active")
    client.delete(f"{API}/interventions/{archived['id']}")
    pool = client.post(f"{API}/pools", json={"name": "Pulje", "year": 2026, "amount": "1000.00"}).json()
    body = assert_problem(
        client.post(f"{API}/pools/{pool['id']}/allocations", json={"intervention_id": archived["id"], "amount": 1}),
        422,
        field=["body", "intervention_id"],
    )
    assert "archived" in body["detail"]
    body = assert_problem(
        client.post(f"{API}/pools/{pool['id']}/allocations", json={"intervention_id": 99999, "amount": 1}), 422
    )
    assert "does not exist" in body["detail"]
