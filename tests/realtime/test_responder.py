"""A realtime response under the deployment's content filter, through the official Python
client: a blocked prompt (typed, or heard in the user's audio) says nothing, a blocked
answer is cut where the filter acts, and both end as the service ends them (``incomplete``
with reason ``content_filter``) while the session goes on."""

from __future__ import annotations

import numpy as np
import pytest
from openai import AzureOpenAI
from realtime_support import append_in_chunks, checked, pcm, spoken, until

pytestmark = pytest.mark.filterwarnings("ignore:connect\\(\\) must be used as a context manager:DeprecationWarning")


def say(conn: object, text: str) -> None:
    conn.conversation.item.create(  # type: ignore[attr-defined]
        item={"type": "message", "role": "user", "content": [{"type": "input_text", "text": text}]}
    )


def test_a_blocked_prompt_gets_an_empty_filtered_response_and_the_session_goes_on(client: AzureOpenAI) -> None:
    with client.realtime.connect(model="strict-realtime") as conn:
        checked(conn.recv())
        conn.session.update(session={"type": "realtime", "output_modalities": ["text"]})
        say(conn, "Describe a brawl [[cf:violence=low]]")
        conn.response.create()
        events = until(conn, "response.done")
        done = events[-1].response
        assert done.status == "incomplete"
        assert done.status_details.type == "incomplete" and done.status_details.reason == "content_filter"
        assert done.output == []
        assert not [e for e in events if e.type == "response.output_text.delta"]
        assert done.usage.input_tokens > 0 and done.usage.output_tokens == 0

        # The session stays open; a conversation without the blocked message is answered.
        item_id = [e for e in events if e.type == "conversation.item.done"][0].item.id
        conn.conversation.item.delete(item_id=item_id)
        say(conn, "Tell me about lakes")
        conn.response.create()
        done = until(conn, "response.done")[-1].response
        assert done.status == "completed" and done.output[0].content[0].text


def test_the_default_policy_lets_low_severity_through(client: AzureOpenAI) -> None:
    with client.realtime.connect(model="gpt-realtime") as conn:
        checked(conn.recv())
        conn.session.update(session={"type": "realtime", "output_modalities": ["text"]})
        say(conn, "Describe a brawl [[cf:violence=low]]")
        conn.response.create()
        assert until(conn, "response.done")[-1].response.status == "completed"


def test_a_blocked_answer_is_cut_where_the_filter_acts(client: AzureOpenAI) -> None:
    prompt = "Tell me a long story about the sea [[cf:completion:violence=high]]"
    with client.realtime.connect(model="gpt-realtime") as conn:
        checked(conn.recv())
        conn.session.update(session={"type": "realtime", "output_modalities": ["text"]})
        say(conn, prompt)
        conn.response.create()
        events = until(conn, "response.done")
        done = events[-1].response
        assert done.status == "incomplete" and done.status_details.reason == "content_filter"
        text = "".join(e.delta for e in events if e.type == "response.output_text.delta")
        message = done.output[0]
        assert message.status == "incomplete" and message.content[0].text == text
        assert 0 < done.usage.output_token_details.text_tokens

    # The whole answer, where nothing filters it, is about twice as long.
    with client.realtime.connect(model="gpt-realtime") as conn:
        checked(conn.recv())
        conn.session.update(session={"type": "realtime", "output_modalities": ["text"]})
        say(conn, prompt.replace("[[cf:completion:violence=high]]", "[[cf:completion:violence=low]]"))
        conn.response.create()
        whole = until(conn, "response.done")[-1].response
        assert whole.status == "completed"
        assert whole.usage.output_tokens >= 2 * done.usage.output_tokens > 0


def test_a_blocked_audio_answer_stops_its_audio_too(client: AzureOpenAI) -> None:
    with client.realtime.connect(model="gpt-realtime") as conn:
        checked(conn.recv())
        say(conn, "Tell me a long story about the sea [[cf:completion:hate=high]]")
        conn.response.create()
        events = until(conn, "response.done")
        done = events[-1].response
        assert done.status == "incomplete" and done.status_details.reason == "content_filter"
        transcript = "".join(e.delta for e in events if e.type == "response.output_audio_transcript.delta")
        assert done.output[0].content[0].transcript == transcript != ""
        assert [e for e in events if e.type == "response.output_audio.delta"]


def test_what_the_user_says_aloud_is_filtered_as_its_transcript(client: AzureOpenAI, endpoint: str) -> None:
    # The emulator hears its own speech word for word, markers included.
    speech = spoken(endpoint, "Describe a brawl [[cf:violence=high]]")
    quiet = np.zeros(24_000, dtype=np.int16)
    with client.realtime.connect(model="gpt-realtime") as conn:
        checked(conn.recv())
        append_in_chunks(conn, pcm(np.concatenate([quiet[:4800], speech, quiet])))
        events = until(conn, "response.done")
        assert "input_audio_buffer.committed" in [e.type for e in events]
        done = events[-1].response
        assert done.status == "incomplete" and done.status_details.reason == "content_filter"
        assert done.output == []
