"""Realtime sessions over WebSocket, driven by the official Python client
(``AzureOpenAI(...).realtime.connect``, sync and async): text turns with a tool call, an
audio turn heard by server VAD and transcribed, cancel and barge-in, bad client events,
the handshake's refusals, and the session's journal entry. Every server event is checked
against the SDK's own models of the GA protocol."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import httpx
import numpy as np
import pytest
import websockets
import websockets.sync.client
from openai import AsyncAzureOpenAI, AzureOpenAI, OpenAI
from realtime_support import VERSION, WEATHER, append_in_chunks, checked, pcm, spoken, until

from emulator.realtime import formats

# The SDK's sync client opens its socket with websockets' connect() outside a with block,
# which websockets 17 warns about; the warning is the SDK's, not the emulator's.
pytestmark = pytest.mark.filterwarnings("ignore:connect\\(\\) must be used as a context manager:DeprecationWarning")


def test_a_text_turn_calls_a_tool_then_answers_from_its_result(client: AzureOpenAI) -> None:
    with client.realtime.connect(model="gpt-realtime") as conn:
        created = checked(conn.recv())
        assert created.type == "session.created"
        assert created.session.model == "gpt-realtime"
        conn.session.update(session={"type": "realtime", "output_modalities": ["text"], "tools": [WEATHER]})
        updated = checked(conn.recv())
        assert updated.type == "session.updated" and updated.session.tools[0].name == "get_weather"
        conn.conversation.item.create(
            item={
                "type": "message",
                "role": "user",
                "content": [{"type": "input_text", "text": "What is the weather in Paris?"}],
            }
        )
        conn.response.create()
        events = until(conn, "response.done")
        done = events[-1].response
        assert done.status == "completed"
        call = done.output[0]
        assert call.type == "function_call" and call.name == "get_weather"
        assert '"city"' in call.arguments
        deltas = "".join(e.delta for e in events if e.type == "response.function_call_arguments.delta")
        assert deltas == call.arguments
        assert done.usage.input_tokens > 0 and done.usage.output_tokens > 0

        conn.conversation.item.create(
            item={"type": "function_call_output", "call_id": call.call_id, "output": '{"temperature": "21 C"}'}
        )
        conn.response.create()
        events = until(conn, "response.done")
        text = "".join(e.delta for e in events if e.type == "response.output_text.delta")
        assert "21 C" in text
        assert events[-1].response.output[0].content[0].text == text
        limits = checked(conn.recv())
        assert limits.type == "rate_limits.updated"
        assert {limit.name for limit in limits.rate_limits} == {"requests", "tokens"}
        # The windows count down: the first response's reading came before this one's.
        first = next(e for e in events if e.type == "rate_limits.updated")
        before = {limit.name: limit for limit in first.rate_limits}
        now = {limit.name: limit for limit in limits.rate_limits}
        assert 0 < now["tokens"].reset_seconds <= before["tokens"].reset_seconds <= 60
        assert 0 < now["requests"].reset_seconds <= 60
        assert now["tokens"].remaining < before["tokens"].remaining


def test_an_audio_turn_is_heard_where_the_speech_is_transcribed_and_answered_aloud(
    client: AzureOpenAI, endpoint: str
) -> None:
    words = "Reply with exactly: 'it is raining'"
    speech = spoken(endpoint, words)
    quiet = np.zeros(12_000, dtype=np.int16)  # half a second before, a second after
    audio = np.concatenate([quiet, speech, quiet, quiet])
    voiced = np.flatnonzero(np.abs(speech) > 300)
    with client.realtime.connect(model="gpt-realtime") as conn:
        checked(conn.recv())
        conn.session.update(
            session={"type": "realtime", "audio": {"input": {"transcription": {"model": "gpt-4o-transcribe"}}}}
        )
        checked(conn.recv())
        append_in_chunks(conn, pcm(audio))
        events = until(conn, "response.done")
    kinds = [e.type for e in events]
    started = next(e for e in events if e.type == "input_audio_buffer.speech_started")
    stopped = next(e for e in events if e.type == "input_audio_buffer.speech_stopped")
    # Where the samples say: the padding (300 ms) before the first loud frame, and the end of
    # the last one, give or take a frame.
    first_loud_ms = (12_000 + voiced[0]) / 24
    last_loud_ms = (12_000 + voiced[-1]) / 24
    assert abs(started.audio_start_ms - (first_loud_ms - 300)) <= 20
    assert abs(stopped.audio_end_ms - last_loud_ms) <= 20
    assert kinds.index("input_audio_buffer.committed") < kinds.index("response.created")
    transcript = next(e for e in events if e.type == "conversation.item.input_audio_transcription.completed")
    assert transcript.transcript == words
    assert transcript.usage.type == "tokens"
    done = events[-1].response
    assert done.status == "completed"
    assert done.output[0].content[0].transcript == "it is raining"
    sound = b"".join(base64.b64decode(e.delta) for e in events if e.type == "response.output_audio.delta")
    assert len(sound) > 24_000  # real PCM: more than half a second of it
    assert np.abs(np.frombuffer(sound, dtype="<i2")).max() > 1000
    assert done.usage.input_token_details.audio_tokens > 0
    assert done.usage.output_token_details.audio_tokens > 0


def test_g711_input_is_heard_and_answered_in_g711(client: AzureOpenAI, endpoint: str) -> None:
    speech = spoken(endpoint, "Tell me about mountains")
    quiet = np.zeros(12_000, dtype=np.int16)
    audio = formats.encode(np.concatenate([quiet, speech, quiet, quiet]), "audio/pcmu")  # 8 kHz mu-law
    ulaw = {"type": "audio/pcmu"}
    with client.realtime.connect(model="gpt-realtime") as conn:
        checked(conn.recv())
        conn.session.update(
            session={"type": "realtime", "audio": {"input": {"format": ulaw}, "output": {"format": ulaw}}}
        )
        assert checked(conn.recv()).session.audio.input.format.type == "audio/pcmu"
        append_in_chunks(conn, audio, "audio/pcmu")
        events = until(conn, "response.done")
    sound = b"".join(base64.b64decode(e.delta) for e in events if e.type == "response.output_audio.delta")
    seconds = len(sound) / 8000  # a byte a sample at 8 kHz
    transcript = events[-1].response.output[0].content[0].transcript
    assert seconds == pytest.approx(len(transcript) / 14 + 0.24, abs=0.15)


def test_cancel_stops_a_response_and_a_second_one_waits(client: AzureOpenAI) -> None:
    with client.realtime.connect(model="paced-realtime") as conn:
        checked(conn.recv())
        conn.conversation.item.create(
            item={
                "type": "message",
                "role": "user",
                "content": [{"type": "input_text", "text": "Tell me a long story"}],
            }
        )
        conn.response.create()
        conn.response.create()  # while the first runs: refused, the socket stays
        conn.response.cancel()
        events = until(conn, "response.done")
        refused = [e for e in events if e.type == "error"]
        assert refused and refused[0].error.code == "conversation_already_has_active_response"
        done = events[-1].response
        assert done.status == "cancelled"
        assert done.status_details.reason == "client_cancelled"
        conn.response.cancel()
        error = until(conn, "error")[-1]
        assert error.error.code == "response_cancel_not_active"


def test_speaking_over_a_response_interrupts_it(client: AzureOpenAI, endpoint: str) -> None:
    speech = spoken(endpoint, "Reply with exactly: 'fine'")
    silence = np.zeros(24_000, dtype=np.int16)
    with client.realtime.connect(model="paced-realtime") as conn:
        checked(conn.recv())
        conn.conversation.item.create(
            item={"type": "message", "role": "user", "content": [{"type": "input_text", "text": "Tell me about lakes"}]}
        )
        conn.response.create()
        first = until(conn, "response.created")[-1].response.id
        append_in_chunks(conn, pcm(np.concatenate([speech, silence])))
        events = until(conn, "response.done")
        assert events[-1].response.id == first
        assert events[-1].response.status == "cancelled"
        assert events[-1].response.status_details.reason == "turn_detected"
        assert "input_audio_buffer.speech_started" in [e.type for e in events]
        # The user's turn is then answered.
        answered = until(conn, "response.done")[-1].response
        assert answered.id != first and answered.status == "completed"


def test_bad_client_events_get_error_events_and_the_session_goes_on(client: AzureOpenAI) -> None:
    with client.realtime.connect(model="gpt-realtime") as conn:
        checked(conn.recv())
        conn.send({"type": "session.update", "event_id": "evt_1", "session": {"type": "realtime", "voice": "alloy"}})
        error = checked(conn.recv())
        assert error.type == "error"
        assert (error.error.code, error.error.param, error.error.event_id) == (
            "unknown_parameter",
            "session.voice",
            "evt_1",
        )
        conn.send(
            {
                "type": "session.update",
                "session": {
                    "type": "realtime",
                    "audio": {"input": {"turn_detection": {"type": "server_vad", "threshold": 1.5}}},
                },
            }
        )
        error = checked(conn.recv())
        assert error.error.param == "session.audio.input.turn_detection.threshold"
        conn.send({"type": "session.update", "session": {"type": "realtime", "audio": {"output": {"voice": "nobody"}}}})
        assert checked(conn.recv()).error.param == "session.audio.output.voice"
        conn.send({"type": "no.such.event"})
        assert checked(conn.recv()).error.param == "type"
        conn.send({"type": "conversation.item.retrieve", "item_id": "item_missing"})
        assert checked(conn.recv()).error.code == "item_not_found"
        conn.send({"type": "input_audio_buffer.commit"})
        assert checked(conn.recv()).error.code == "input_audio_buffer_commit_empty"
        # Still open: a good event is answered.
        conn.session.update(session={"type": "realtime", "instructions": "Be brief."})
        assert checked(conn.recv()).session.instructions == "Be brief."


def test_items_are_retrieved_and_deleted(client: AzureOpenAI) -> None:
    with client.realtime.connect(model="gpt-realtime") as conn:
        checked(conn.recv())
        conn.conversation.item.create(
            item={
                "id": "item_mine",
                "type": "message",
                "role": "user",
                "content": [{"type": "input_text", "text": "hi"}],
            }
        )
        until(conn, "conversation.item.done")
        conn.conversation.item.retrieve(item_id="item_mine")
        retrieved = checked(conn.recv())
        assert retrieved.type == "conversation.item.retrieved" and retrieved.item.content[0].text == "hi"
        conn.conversation.item.delete(item_id="item_mine")
        assert checked(conn.recv()).type == "conversation.item.deleted"
        conn.conversation.item.retrieve(item_id="item_mine")
        assert checked(conn.recv()).error.code == "item_not_found"


def test_a_spoken_answer_is_truncated_where_the_user_stopped_hearing_it(client: AzureOpenAI) -> None:
    words = "one two three four five six seven eight"
    with client.realtime.connect(model="gpt-realtime") as conn:
        checked(conn.recv())
        ask = {"type": "input_text", "text": f"Reply with exactly: '{words}'"}
        conn.conversation.item.create(item={"id": "item_ask", "type": "message", "role": "user", "content": [ask]})
        conn.response.create()
        answer = until(conn, "response.done")[-1].response.output[0]
        assert answer.content[0].transcript == words
        # Bad truncations: an error event naming the parameter, the item left as it was.
        conn.conversation.item.truncate(item_id=answer.id, content_index=0, audio_end_ms=600_000)
        error = until(conn, "error")[-1].error
        assert (error.code, error.param) == ("invalid_value", "audio_end_ms")
        conn.conversation.item.truncate(item_id="item_ask", content_index=0, audio_end_ms=0)
        error = until(conn, "error")[-1].error
        assert (error.code, error.param) == ("invalid_value", "content_index")
        conn.conversation.item.truncate(item_id="item_missing", content_index=0, audio_end_ms=0)
        assert until(conn, "error")[-1].error.code == "item_not_found"
        # Cut a second in: the model keeps only the words heard by then.
        conn.conversation.item.truncate(item_id=answer.id, content_index=0, audio_end_ms=1000)
        truncated = until(conn, "conversation.item.truncated")[-1]
        assert (truncated.item_id, truncated.content_index, truncated.audio_end_ms) == (answer.id, 0, 1000)
        conn.conversation.item.retrieve(item_id=answer.id)
        kept = until(conn, "conversation.item.retrieved")[-1].item.content[0].transcript.split()
        assert 0 < len(kept) < len(words.split()) and kept == words.split()[: len(kept)]


def test_an_out_of_band_response_keeps_out_of_the_conversation(client: AzureOpenAI) -> None:
    with client.realtime.connect(model="gpt-realtime") as conn:
        checked(conn.recv())
        conn.response.create(
            response={
                "conversation": "none",
                "output_modalities": ["text"],
                "instructions": "Classify",
                "input": [
                    {
                        "type": "message",
                        "role": "user",
                        "content": [{"type": "input_text", "text": "Reply with exactly: positive"}],
                    }
                ],
            }
        )
        events = until(conn, "response.done")
        assert not [e for e in events if e.type.startswith("conversation.item")]
        done = events[-1].response
        assert done.conversation_id is None
        assert done.output[0].content[0].text == "positive"


@pytest.mark.anyio
async def test_the_async_client_holds_a_session(endpoint: str) -> None:
    ws = endpoint.replace("http://", "ws://") + "/openai"
    async with AsyncAzureOpenAI(azure_endpoint=endpoint, api_key="k", api_version=VERSION, websocket_base_url=ws) as c:
        async with c.realtime.connect(model="gpt-4o-realtime-preview") as conn:
            assert (await conn.recv()).type == "session.created"
            await conn.session.update(session={"type": "realtime", "output_modalities": ["text"]})
            await conn.recv()
            await conn.conversation.item.create(
                item={
                    "type": "message",
                    "role": "user",
                    "content": [{"type": "input_text", "text": "Reply with exactly: ok"}],
                }
            )
            await conn.response.create()
            async for event in conn:
                checked(event)
                if event.type == "response.done":
                    assert event.response.output[0].content[0].text == "ok"
                    break


def test_the_v1_route_takes_the_model_and_a_bearer_key(endpoint: str) -> None:
    with OpenAI(base_url=f"{endpoint}/openai/v1/", api_key="k") as plain:
        with plain.realtime.connect(model="gpt-realtime") as conn:
            assert checked(conn.recv()).session.model == "gpt-realtime"


def refusal(endpoint: str, path: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, Any]]:
    url = endpoint.replace("http://", "ws://") + path
    with pytest.raises(websockets.exceptions.InvalidStatus) as refused:
        with websockets.sync.client.connect(url, additional_headers=headers or {"api-key": "k"}):
            pass
    response = refused.value.response
    return response.status_code, json.loads(response.body)


@pytest.mark.parametrize(
    ("path", "status", "code"),
    [
        ("/openai/realtime?api-version=2025-04-01-preview&deployment=gpt-4o", 400, "OperationNotSupported"),
        ("/openai/realtime?api-version=2024-10-21&deployment=gpt-realtime", 400, None),
        ("/openai/realtime?api-version=2099-01-01&deployment=gpt-realtime", 404, "404"),
        ("/openai/v1/realtime?model=gpt-realtime&api-version=2025-04-01-preview", 400, None),
        ("/openai/v1/nowhere", 404, "404"),
    ],
)
def test_refused_handshakes_get_azures_status_and_body(endpoint: str, path: str, status: int, code: str | None) -> None:
    got, body = refusal(endpoint, path)
    assert got == status
    assert "message" in body["error"]
    if code is not None:
        assert body["error"]["code"] == code


def test_a_bad_key_is_refused_and_a_key_in_the_query_is_taken(locked_endpoint: str) -> None:
    path = "/openai/realtime?api-version=2025-04-01-preview&deployment=gpt-realtime"
    status, body = refusal(locked_endpoint, path.replace("gpt-realtime", "gpt-4o"), {"api-key": "wrong"})
    assert status == 401 and body["error"]["code"] == "401"
    # A deployment the resource does not have (names are not inferred there).
    status, body = refusal(locked_endpoint, path, {"api-key": "right-key"})
    assert status == 404 and body["error"]["code"] == "DeploymentNotFound"


def test_a_key_in_the_query_is_taken_and_realtime_names_are_inferred(endpoint: str) -> None:
    path = "/openai/realtime?api-version=2025-04-01-preview&deployment=gpt-realtime-prod&api-key=k"
    with websockets.sync.client.connect(endpoint.replace("http://", "ws://") + path) as socket:
        assert '"model":"gpt-realtime-prod"' in str(socket.recv())


def test_compression_is_declined_though_the_client_offers_it(endpoint: str) -> None:
    # websockets offers permessage-deflate by default, as the SDKs' sockets do; base64 audio
    # barely compresses, so the emulator takes the socket uncompressed.
    path = "/openai/v1/realtime?model=gpt-realtime&api-key=k"
    with websockets.sync.client.connect(endpoint.replace("http://", "ws://") + path) as socket:
        assert socket.request is not None and socket.response is not None
        assert "permessage-deflate" in (socket.request.headers.get("Sec-WebSocket-Extensions") or "")
        assert socket.response.headers.get("Sec-WebSocket-Extensions") is None
        assert '"session.created"' in str(socket.recv())


def test_a_scenario_refuses_the_handshake_with_its_status(endpoint: str, client: AzureOpenAI) -> None:
    scenario = {
        "name": "realtime-busy",
        "rules": [
            {
                "name": "busy",
                "match": {"operation": "realtime"},
                "actions": [{"action": "error", "status": 429, "retry_after_ms": 500}],
            }
        ],
    }
    assert httpx.post(f"{endpoint}/_emulator/scenarios", json=scenario).status_code in (200, 201)
    status, body = refusal(
        endpoint,
        "/openai/realtime?api-version=2025-04-01-preview&deployment=gpt-realtime",
        {"api-key": "k", "x-emulator-scenario": "realtime-busy"},
    )
    assert status == 429 and body["error"]["code"] == "429"


def test_the_journal_has_one_entry_per_session(client: AzureOpenAI, endpoint: str) -> None:
    with client.realtime.connect(model="gpt-realtime", extra_headers={"x-test-id": "journal-one"}) as conn:
        checked(conn.recv())
        conn.session.update(session={"type": "realtime", "instructions": "hello"})
        checked(conn.recv())
    entry = journal_entry(endpoint, "journal-one")
    assert entry["status"] == 101 and entry["deployment"] == "gpt-realtime"
    assert entry["headers"]["api-key"] == "***"
    assert entry["realtime"]["client_events"] == {"session.update": 1}
    assert entry["realtime"]["server_events"] == {"session.created": 1, "session.updated": 1}
    assert entry["realtime"]["close_code"] == 1000
    assert [e["data"][:26] for e in entry["events"]][0] == '{"type":"session.created",'
    received = entry["realtime"]["events_received"]
    assert [json.loads(e["data"])["session"]["instructions"] for e in received] == ["hello"]
    assert 0 <= received[0]["at_ms"] <= entry["duration_ms"]


def test_a_session_is_counted_in_the_cost_view_by_its_tokens(client: AzureOpenAI, endpoint: str) -> None:
    with client.realtime.connect(model="gpt-realtime", extra_headers={"x-test-id": "costs-one"}) as conn:
        checked(conn.recv())
        conn.session.update(session={"type": "realtime", "output_modalities": ["text"]})
        checked(conn.recv())
        conn.response.create()
        usage = until(conn, "response.done")[-1].response.usage
    entry = journal_entry(endpoint, "costs-one")
    mine = next(t for t in httpx.get(f"{endpoint}/_emulator/costs").json()["tests"] if t["test_id"] == "costs-one")
    assert mine["requests"] == 1 and mine["unpriced_requests"] == 1  # no realtime meters in the price table
    assert (mine["input_tokens"], mine["output_tokens"]) == (usage.input_tokens, usage.output_tokens)
    assert mine["cached_tokens"] == usage.input_token_details.cached_tokens == entry["realtime"]["cached_tokens"]


def test_a_plain_get_on_the_realtime_route_is_a_400(endpoint: str) -> None:
    answer = httpx.get(
        f"{endpoint}/openai/realtime?api-version={VERSION}&deployment=gpt-realtime", headers={"api-key": "k"}
    )
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "websocket_upgrade_required"


def add_scenario(endpoint: str, name: str, actions: list[dict[str, Any]]) -> dict[str, str]:
    scenario = {"name": name, "rules": [{"name": name, "match": {"operation": "realtime"}, "actions": actions}]}
    assert httpx.post(f"{endpoint}/_emulator/scenarios", json=scenario).status_code in (200, 201)
    return {"x-emulator-scenario": name, "x-test-id": name}


def journal_entry(endpoint: str, test_id: str) -> dict[str, Any]:
    for _ in range(200):
        found = httpx.get(f"{endpoint}/_emulator/requests", params={"operation": "realtime"}).json()["requests"]
        mine = [r for r in found if r["test_id"] == test_id]
        if mine:
            return mine[0]
        time.sleep(0.01)
    raise AssertionError("no journal entry")


def test_a_fault_closes_the_socket_after_so_many_events(client: AzureOpenAI, endpoint: str) -> None:
    headers = add_scenario(
        endpoint, "rt-close-after-2", [{"action": "close_socket", "after_events": 2, "code": 1011, "reason": "going"}]
    )
    with client.realtime.connect(model="gpt-realtime", extra_headers=headers) as conn:
        checked(conn.recv())
        conn.session.update(session={"type": "realtime", "instructions": "x"})
        assert checked(conn.recv()).type == "session.updated"
        # The socket closes right after the second event: the client finds out on its next
        # send or receive.
        with pytest.raises(websockets.exceptions.ConnectionClosedError) as closed:
            conn.session.update(session={"type": "realtime", "instructions": "y"})
            conn.recv()
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1011
    entry = journal_entry(endpoint, "rt-close-after-2")
    assert entry["outcome"] == "cut" and entry["realtime"]["close_code"] == 1011
    assert entry["faults"] == ["close_socket"] and entry["events_sent"] == 2


def test_a_fault_closes_the_socket_after_a_while(client: AzureOpenAI, endpoint: str) -> None:
    headers = add_scenario(endpoint, "rt-close-later", [{"action": "close_socket", "after_ms": 150, "code": 1001}])
    started = time.monotonic()
    with client.realtime.connect(model="gpt-realtime", extra_headers=headers) as conn:
        checked(conn.recv())
        with pytest.raises(websockets.exceptions.ConnectionClosed) as closed:
            conn.recv()
    assert 0.14 <= time.monotonic() - started < 5
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1001


def test_a_fault_sends_an_error_event_and_the_session_goes_on(client: AzureOpenAI, endpoint: str) -> None:
    headers = add_scenario(endpoint, "rt-error", [{"action": "session_error", "after_events": 1}])
    with client.realtime.connect(model="gpt-realtime", extra_headers=headers) as conn:
        checked(conn.recv())
        error = checked(conn.recv())
        assert error.type == "error" and error.error.type == "server_error"
        conn.session.update(session={"type": "realtime", "instructions": "still here"})
        assert checked(conn.recv()).session.instructions == "still here"


def test_a_fault_stalls_the_session_then_it_goes_on(client: AzureOpenAI, endpoint: str) -> None:
    headers = add_scenario(endpoint, "rt-stall", [{"action": "session_stall", "after_events": 3, "stall_ms": 400}])
    with client.realtime.connect(model="gpt-realtime", extra_headers=headers) as conn:
        checked(conn.recv())
        conn.session.update(session={"type": "realtime", "output_modalities": ["text"]})
        checked(conn.recv())
        conn.response.create()
        arrivals = []
        text = ""
        while True:
            event = checked(conn.recv())
            arrivals.append((event.type, time.monotonic()))
            if event.type == "response.created":  # the stall begins: what is sent now waits
                conn.session.update(session={"type": "realtime", "instructions": "sent during the stall"})
            if event.type == "response.output_text.delta":
                text += event.delta
            if event.type == "session.updated":
                assert event.session.instructions == "sent during the stall"
            if event.type == "response.done":
                break
    # Events 1 and 2 were session.created and session.updated; the third (response.created)
    # is followed by silence, then the rest of the answer, whole.
    assert arrivals[0][0] == "response.created"
    gaps = [b[1] - a[1] for a, b in zip(arrivals, arrivals[1:])]
    assert gaps[0] >= 0.39 and max(gaps[1:]) < 0.39
    assert "session.updated" in [kind for kind, _ in arrivals]
    assert event.response.status == "completed" and event.response.output
    assert text and text == event.response.output[0].content[0].text
    entry = journal_entry(endpoint, "rt-stall")
    assert entry["faults"] == ["session_stall"] and entry["outcome"] == "completed"


def test_a_client_secret_opens_a_session_configured_as_it_was_made(endpoint: str) -> None:
    with OpenAI(base_url=f"{endpoint}/openai/v1/", api_key="k") as backend:
        secret = backend.realtime.client_secrets.create(
            session={
                "type": "realtime",
                "model": "gpt-realtime",
                "instructions": "Be a pirate.",
                "audio": {"output": {"voice": "marin"}},
            },
            expires_after={"anchor": "created_at", "seconds": 60},
        )
    assert secret.value.startswith("ek_")
    assert secret.session.instructions == "Be a pirate."
    # A browser connects with the secret alone.
    with OpenAI(base_url=f"{endpoint}/openai/v1/", api_key=secret.value) as browser:
        with browser.realtime.connect(model="gpt-realtime") as conn:
            created = checked(conn.recv())
    assert created.session.instructions == "Be a pirate."
    assert created.session.audio.output.voice == "marin"
    status, body = refusal(endpoint, "/openai/v1/realtime?model=gpt-realtime", {"authorization": "Bearer ek_unknown"})
    assert status == 401


@pytest.mark.parametrize(
    ("body", "status", "param"),
    [
        (
            {"session": {"type": "realtime", "model": "gpt-realtime"}, "expires_after": {"seconds": 5}},
            400,
            "expires_after.seconds",
        ),
        ({"session": {"type": "realtime"}}, 400, "session.model"),
        (
            {"session": {"type": "realtime", "model": "gpt-realtime", "audio": {"output": {"voice": "nobody"}}}},
            400,
            "session.audio.output.voice",
        ),
        ({"session": {"type": "realtime", "model": "gpt-4o"}}, 400, None),
    ],
)
def test_bad_client_secret_requests_are_refused(
    endpoint: str, body: dict[str, Any], status: int, param: str | None
) -> None:
    answer = httpx.post(f"{endpoint}/openai/v1/realtime/client_secrets", headers={"api-key": "k"}, json=body)
    assert answer.status_code == status
    if param is not None:
        assert answer.json()["error"]["param"] == param


def test_a_close_socket_fault_needs_a_when(endpoint: str) -> None:
    scenario = {"name": "rt-bad", "rules": [{"name": "x", "actions": [{"action": "close_socket", "code": 1011}]}]}
    answer = httpx.post(f"{endpoint}/_emulator/scenarios", json=scenario)
    assert answer.status_code == 400
    assert "after_events, after_ms or both" in answer.text


@pytest.mark.parametrize(
    ("action", "named"),
    [({"action": "session_stall"}, "stall_ms"), ({"action": "session_stall", "stall_ms": -1}, "stall_ms")],
)
def test_a_stall_needs_a_length_it_may_wait(endpoint: str, action: dict[str, Any], named: str) -> None:
    scenario = {"name": "rt-bad-stall", "rules": [{"name": "x", "actions": [action]}]}
    answer = httpx.post(f"{endpoint}/_emulator/scenarios", json=scenario)
    assert answer.status_code == 400 and named in answer.text


def test_a_response_naming_a_missing_item_is_refused_and_the_session_goes_on(client: AzureOpenAI) -> None:
    with client.realtime.connect(model="gpt-realtime") as conn:
        checked(conn.recv())
        conn.response.create(
            response={"conversation": "none", "input": [{"type": "item_reference", "id": "item_gone"}]}
        )
        error = checked(conn.recv())
        assert error.type == "error" and error.error.code == "item_not_found"
        conn.session.update(session={"type": "realtime", "instructions": "on"})
        assert checked(conn.recv()).type == "session.updated"
