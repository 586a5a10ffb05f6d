"""The pytest plugin, run by pytest's own pytester: fixture, markers, reset, xdist, reuse."""

from __future__ import annotations

import threading

import pytest

pytest_plugins = ["pytester"]

USES_THE_FIXTURE = """
import openai
import pytest


def ask(client, text="Hello"):
    return client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": text}])


def test_a_client_and_the_journal(aoai_emulator):
    answer = ask(aoai_emulator.client())
    assert answer.choices[0].message.content
    entries = aoai_emulator.assert_requested(times=1, operation="chat_completions")
    assert entries[0]["deployment"] == "gpt-4o"


def test_a_scripted_reply(aoai_emulator):
    aoai_emulator.script_reply("Exactly this.")
    assert ask(aoai_emulator.client()).choices[0].message.content == "Exactly this."


def test_the_reply_is_gone_in_the_next_test(aoai_emulator):
    assert ask(aoai_emulator.client()).choices[0].message.content != "Exactly this."
    assert len(aoai_emulator.requests()) == 1  # the journal starts empty for each test


@pytest.mark.aoai_scenario("throttled")
def test_a_scenario_for_one_test(aoai_emulator):
    with pytest.raises(openai.RateLimitError):
        ask(aoai_emulator.client(max_retries=0))
    assert aoai_emulator.requests(status=429)


def test_the_scenario_is_gone_in_the_next_test(aoai_emulator):
    assert ask(aoai_emulator.client(max_retries=0)).choices


@pytest.mark.aoai_reply("From a marker.", match={"last_user": "marker"})
def test_a_reply_from_a_marker(aoai_emulator):
    assert ask(aoai_emulator.client(), "the marker").choices[0].message.content == "From a marker."


def test_a_scenario_of_its_own(aoai_emulator):
    aoai_emulator.use_scenario(
        {"name": "one-503", "rules": [{"name": "once", "when": {"first": 1}, "actions": [{"action": "error", "status": 503}]}]}
    )
    assert ask(aoai_emulator.client(max_retries=1)).choices  # retried past the one 503
    assert [e["status"] for e in aoai_emulator.requests()] == [503, 200]


def test_v1_and_async_clients(aoai_emulator):
    import asyncio

    v1 = aoai_emulator.v1_client()
    assert v1.embeddings.create(model="text-embedding-3-small", input="hi").data

    async def run():
        async with aoai_emulator.async_client() as client:
            return await client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "x"}])

    assert asyncio.run(run()).choices


def test_that_fails(aoai_emulator):
    aoai_emulator.script_reply("left behind?")
    assert False, "a failing test must not leave its reply or the server behind"
"""


def emulator_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "aoai-emulator" and t.is_alive()]


def test_the_fixture_markers_and_reset(pytester: pytest.Pytester) -> None:
    before = emulator_threads()
    pytester.makepyfile(USES_THE_FIXTURE)
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=8, failed=1)
    assert emulator_threads() == before  # the session's emulator stopped with the session


def test_a_config_file_for_the_emulator_started(pytester: pytest.Pytester) -> None:
    pytester.makefile(".yaml", emulator="deployments:\n  house-chat:\n    model: gpt-4o-mini\n")
    pytester.makeini("[pytest]\naoai_emulator_config = emulator.yaml\n")
    pytester.makepyfile(
        """
        def test_the_configured_deployment(aoai_emulator):
            client = aoai_emulator.client()
            answer = client.chat.completions.create(model="house-chat", messages=[{"role": "user", "content": "x"}])
            assert answer.model.startswith("gpt-4o-mini")
        """
    )
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_a_running_emulator_is_reused(pytester: pytest.Pytester, endpoint: str) -> None:
    pytester.makepyfile(
        f"""
        def test_reuse(aoai_emulator):
            assert aoai_emulator.endpoint == "{endpoint}"
            aoai_emulator.client().embeddings.create(model="text-embedding-3-small", input="x")
            # A shared emulator's journal is read by this test's tag only.
            assert [e["operation"] for e in aoai_emulator.requests()] == ["embeddings"]
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider", f"--aoai-emulator-endpoint={endpoint}")
    result.assert_outcomes(passed=1)


def test_each_xdist_worker_has_its_own_emulator(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.parametrize("n", range(4))
        def test_isolated(aoai_emulator, n, tmp_path_factory):
            client = aoai_emulator.client()
            client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": str(n)}])
            assert len(aoai_emulator.requests()) == 1
            root = tmp_path_factory.getbasetemp().parent
            (root / f"endpoint-{n}").write_text(aoai_emulator.endpoint)
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-n", "2")
    result.assert_outcomes(passed=4)
    endpoints = {p.read_text() for p in pytester.path.glob("**/endpoint-*")}
    assert len(endpoints) == 2


UPLOADS = """
import pytest


def test_an_upload(aoai_emulator):
    client = aoai_emulator.v1_client()
    assert client.files.create(file=("lines.jsonl", b'{"a": 1}\\n'), purpose="batch").id


def test_that_fails_after_an_upload(aoai_emulator):
    aoai_emulator.v1_client().files.create(file=("more.jsonl", b'{"b": 2}\\n'), purpose="batch")
    assert False
"""


@pytest.mark.parametrize("ending", ["a failing test", "KeyboardInterrupt"])
def test_the_session_s_emulator_leaves_no_temporary_folder_behind(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory, ending: str
) -> None:
    # A session of its own, in a process of its own (an interrupt must not reach this one),
    # whose temporary folders go where this test can see them.
    temp = tmp_path_factory.mktemp("emulator-temp")
    monkeypatch.setenv("TMPDIR", str(temp))
    interrupt = "\n\ndef test_interrupted():\n    raise KeyboardInterrupt\n"
    pytester.makepyfile(UPLOADS + (interrupt if ending == "KeyboardInterrupt" else ""))
    # What is left once the session's fixtures are torn down, before the process exits (at
    # exit, Python's own clean-up would hide a folder the session forgot).
    pytester.makeconftest(
        """
        import os
        import pathlib

        import pytest


        @pytest.hookimpl(trylast=True)
        def pytest_sessionfinish(session):
            temp = pathlib.Path(os.environ["TMPDIR"])
            left = [p.name for p in temp.iterdir() if p.name.startswith("aoai-emulator")]
            pathlib.Path("left-behind.txt").write_text(repr(left))
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    if ending == "a failing test":
        result.assert_outcomes(passed=1, failed=1)
    else:
        assert result.ret == pytest.ExitCode.INTERRUPTED
    assert (pytester.path / "left-behind.txt").read_text() == "[]"


def test_an_emulator_with_an_admin_key_is_driven_with_it(pytester: pytest.Pytester) -> None:
    """The plugin's own admin calls (scenarios, replies, the journal) send the configured
    key, and each request carries the test's readable id for the dashboard."""
    pytester.makefile(".yaml", emulator="admin_key: plugin-admin-key\n")
    pytester.makeini("[pytest]\naoai_emulator_config = emulator.yaml\n")
    pytester.makepyfile(
        """
        import openai, pytest

        @pytest.mark.aoai_scenario("throttled")
        def test_keyed(aoai_emulator):
            client = aoai_emulator.client(max_retries=0)
            with pytest.raises(openai.RateLimitError):
                client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "x"}])
            [entry] = aoai_emulator.requests()
            assert entry["test_id"].endswith(".py::test_keyed")
        """
    )
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)
