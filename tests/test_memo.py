"""Repeated requests are answered from memory: same content, fresh ids, all checks still made."""

from __future__ import annotations

import httpx

from emulator.delivery import JsonReply
from emulator.memo import Remembered, ResultMemo
from support import APPS

CHAT = "/openai/deployments/gpt-4o/chat/completions"
BODY = {"messages": [{"role": "user", "content": "Name three rivers in memory of this test"}]}


def test_a_repeated_request_is_answered_from_memory_with_fresh_ids(http: httpx.Client, endpoint: str) -> None:
    memo = APPS[endpoint].state.pipeline.memo
    body = {"messages": [{"role": "user", "content": "A request made twice, and only here"}]}
    first = http.post(CHAT, params={"api-version": "2024-10-21"}, json=body)
    hits = memo.hits
    second = http.post(CHAT, params={"api-version": "2024-10-21"}, json=body)
    assert memo.hits == hits + 1
    assert first.status_code == second.status_code == 200
    a, b = first.json(), second.json()
    assert a["choices"] == b["choices"] and a["usage"] == b["usage"]
    assert a["id"] != b["id"]
    assert first.headers["x-request-id"] != second.headers["x-request-id"]


def test_a_remembered_answer_still_counts_against_the_quota(http: httpx.Client) -> None:
    # A deployment of its own starts a fresh quota window for this test.
    path = "/openai/deployments/gpt-4o-quota-memo/chat/completions"
    remaining = [
        int(http.post(path, params={"api-version": "2024-10-21"}, json=BODY).headers["x-ratelimit-remaining-requests"])
        for _ in range(3)
    ]
    assert remaining[0] - remaining[2] == 2


def test_a_remembered_answer_still_needs_a_key(http: httpx.Client, endpoint: str) -> None:
    assert http.post(CHAT, params={"api-version": "2024-10-21"}, json=BODY).status_code == 200
    assert httpx.post(f"{endpoint}{CHAT}", params={"api-version": "2024-10-21"}, json=BODY).status_code == 401


def test_the_same_body_on_another_api_version_is_judged_afresh(http: httpx.Client) -> None:
    body = {**BODY, "max_completion_tokens": 30}
    assert http.post(CHAT, params={"api-version": "2024-10-21"}, json=body).status_code == 200
    refused = http.post(CHAT, params={"api-version": "2024-06-01"}, json=body)
    assert refused.status_code == 400
    assert refused.json()["error"]["message"] == "Unrecognized request argument supplied: max_completion_tokens"


def test_v1_repeats_resolve_the_deployment_from_the_body(http: httpx.Client) -> None:
    answers = [
        http.post("/openai/v1/chat/completions", json={"model": name, **BODY}).json()["model"]
        for name in ("gpt-4o", "gpt-4o-mini", "gpt-4o", "gpt-4o-mini")
    ]
    assert answers == ["gpt-4o-2024-08-06", "gpt-4o-mini-2024-07-18"] * 2


def test_the_memo_forgets_the_least_recently_used_first() -> None:
    memo = ResultMemo(max_entries=2)
    keys = [memo.key("chat_completions", "v", "d", bytes([i])) for i in range(3)]
    for key in keys:
        assert key is not None
        memo.put(key, Remembered("d", 1, JsonReply({"n": key[3].decode()})))
    assert memo.get(keys[0]) is None
    assert memo.get(keys[2]) is not None


def test_large_bodies_are_not_remembered() -> None:
    assert ResultMemo().key("chat_completions", "v", "d", b"x" * 100_000) is None
