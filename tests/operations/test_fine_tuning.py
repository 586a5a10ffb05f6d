"""Fine-tuning through the openai clients (AzureOpenAI on dated versions, OpenAI on v1): the
whole loop (upload, create, poll to success, events, checkpoints, the results file, deploy
through the admin API, chat with the fine-tuned model), every training-data error with the
example it names, create's checks, cancel, pause and resume, the queue, and the versions."""

from __future__ import annotations

import csv
import io
import json
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import openai
import pytest
from openai import AzureOpenAI, OpenAI

from emulator import tokens
from emulator.settings import FineTuningConfig, Settings
from support import assert_valid_component, running_emulator

VERSION = "2025-04-01-preview"
STEP_S = 0.02
TERMINAL = ("succeeded", "failed", "cancelled")


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    with running_emulator(Settings.build(fine_tuning=FineTuningConfig(step_s=STEP_S))) as url:
        yield url


@pytest.fixture
def client(endpoint: str) -> Iterator[AzureOpenAI]:
    with AzureOpenAI(azure_endpoint=endpoint, api_key="k", api_version=VERSION, max_retries=0) as made:
        yield made


@pytest.fixture
def v1(endpoint: str) -> Iterator[OpenAI]:
    with OpenAI(base_url=f"{endpoint}/openai/v1/", api_key="k", max_retries=0) as made:
        yield made


def example(i: int, answer: str | None = None) -> dict[str, Any]:
    return {
        "messages": [
            {"role": "system", "content": "Marv is a sarcastic assistant."},
            {"role": "user", "content": f"What is the capital of country number {i}?"},
            {"role": "assistant", "content": answer or f"Country {i} has a capital, as they all do."},
        ]
    }


def jsonl(lines: list[Any]) -> bytes:
    return "\n".join(line if isinstance(line, str) else json.dumps(line, ensure_ascii=False) for line in lines).encode()


TRAINING = [example(i) for i in range(12)]
# A job that trains for a while (50 epochs, a step each): long enough to catch it running.
LONG: Any = {"type": "supervised", "supervised": {"hyperparameters": {"n_epochs": 50}}}


def upload(client: AzureOpenAI | OpenAI, data: bytes, purpose: str = "fine-tune") -> str:
    return client.files.create(file=("data.jsonl", data), purpose=purpose).id  # type: ignore[arg-type]


def finish(client: AzureOpenAI | OpenAI, job_id: str, seen: list[str] | None = None) -> Any:
    """Poll until the job ends (bounded), noting each status seen."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        job = client.fine_tuning.jobs.retrieve(job_id)
        if seen is not None and (not seen or seen[-1] != job.status):
            seen.append(job.status)
        if job.status in TERMINAL:
            return job
        time.sleep(STEP_S / 4)
    raise AssertionError(f"{job_id} did not finish")


def wait_for(client: AzureOpenAI, job_id: str, status: str) -> Any:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        job = client.fine_tuning.jobs.retrieve(job_id)
        if job.status == status:
            return job
        assert job.status not in TERMINAL, job.status
        time.sleep(0.005)
    raise AssertionError(f"{job_id} never {status}")


def stop(client: AzureOpenAI, job_id: str) -> None:
    """Cancel a job unless it has ended (it may end while this is asked)."""
    try:
        client.fine_tuning.jobs.cancel(job_id)
    except openai.BadRequestError as error:
        assert error.response.json()["error"]["code"] == "unexpectedEntityState"


def example_tokens(one: dict[str, Any]) -> int:
    """The chat format's count: 3 to prime the reply, and each message 3 plus its text."""
    return 3 + sum(3 + tokens.count(m["content"], "o200k_base") for m in one["messages"])


def test_the_whole_loop_from_upload_to_chat_with_the_fine_tuned_model(client: AzureOpenAI, endpoint: str) -> None:
    training = upload(client, jsonl(TRAINING))
    validation = upload(client, jsonl(TRAINING[:3]))
    job = client.fine_tuning.jobs.create(
        model="gpt-4o-mini", training_file=training, validation_file=validation, suffix="marv", seed=7
    )
    # As Azure answers: pending, the versioned base model, "auto" shown as -1 until chosen.
    assert (job.status, job.model, job.seed, job.suffix) == ("pending", "gpt-4o-mini-2024-07-18", 7, "marv")  # type: ignore[attr-defined]
    assert (job.hyperparameters.n_epochs, job.hyperparameters.batch_size) == (-1, -1)
    assert job.id.startswith("ftjob-") and len(job.id) == 6 + 32
    seen: list[str] = []
    done = finish(client, job.id, seen)
    assert seen[-1] == "succeeded" and "running" in seen
    hex_id = job.id.removeprefix("ftjob-")
    assert done.fine_tuned_model == f"gpt-4o-mini-2024-07-18.ft-{hex_id}-marv"
    assert (done.hyperparameters.n_epochs, done.hyperparameters.batch_size) == (3, 1)
    assert done.trained_tokens == sum(example_tokens(e) for e in TRAINING) * 3
    assert done.error is None and done.finished_at is not None

    messages = [e.message for e in reversed(client.fine_tuning.jobs.list_events(job.id, limit=100).data)]
    assert messages[:4] == [
        "Job enqueued. Waiting for jobs ahead to complete.",
        "Preprocessing running for file training file.",
        "Preprocessing completed for file training file.",
        "Preprocessing running for file validation file.",
    ]
    assert "Job started." in messages and "Training started." in messages
    assert messages[-3:] == [
        "Job succeeded.",
        f"Completed results file: {done.result_files[0]}",
        f"Training tokens billed: {done.trained_tokens}",
    ]
    steps = [e for e in client.fine_tuning.jobs.list_events(job.id, limit=100).data if e.type == "metrics"]
    assert [e.data["step"] for e in reversed(steps)] == [10, 20, 30, 36]  # every 10 steps, and the last

    checkpoints = client.fine_tuning.jobs.checkpoints.list(job.id).data
    assert [c.step_number for c in checkpoints] == [36, 24, 12]  # newest first, one an epoch
    assert checkpoints[0].fine_tuned_model_checkpoint == done.fine_tuned_model
    assert checkpoints[1].fine_tuned_model_checkpoint == f"{done.fine_tuned_model}:ckpt-step-24"
    assert checkpoints[0].metrics.full_valid_loss is not None

    results = client.files.retrieve(done.result_files[0])
    assert (results.filename, results.purpose) == ("results.csv", "fine-tune-results")
    rows = list(csv.DictReader(io.StringIO(client.files.content(results.id).text)))
    assert [int(r["step"]) for r in rows] == list(range(1, 37))
    assert set(rows[0]) >= {"train_loss", "train_mean_token_accuracy", "valid_loss", "validation_mean_token_accuracy"}
    assert float(rows[-1]["train_loss"]) < float(rows[0]["train_loss"]) / 2
    assert float(rows[-1]["train_mean_token_accuracy"]) > float(rows[0]["train_mean_token_accuracy"])
    assert rows[11]["full_valid_loss"] and not rows[10]["full_valid_loss"]  # at the end of each epoch only

    # The fine-tuned model is among the resource's models, and can be deployed and called.
    assert done.fine_tuned_model in {m.id for m in client.models.list()}
    deployed = httpx.put(f"{endpoint}/_emulator/deployments/marv", json={"model": done.fine_tuned_model})
    assert deployed.status_code == 200, deployed.text
    ask = [{"role": "user", "content": "Tell me about the harbour."}]
    answer = client.chat.completions.create(model="marv", messages=ask)  # type: ignore[arg-type]
    base = client.chat.completions.create(model="gpt-4o-mini", messages=ask)  # type: ignore[arg-type]
    assert answer.model == done.fine_tuned_model
    assert answer.choices[0].message.content != base.choices[0].message.content  # its own replies
    again = client.chat.completions.create(model="marv", messages=ask)  # type: ignore[arg-type]
    assert again.choices[0].message.content == answer.choices[0].message.content  # deterministic
    assert httpx.delete(f"{endpoint}/_emulator/deployments/marv").status_code == 200


def test_the_same_job_trains_the_same_way(client: AzureOpenAI) -> None:
    training = upload(client, jsonl(TRAINING))
    first = finish(client, client.fine_tuning.jobs.create(model="gpt-4.1", training_file=training, seed=3).id)
    second = finish(client, client.fine_tuning.jobs.create(model="gpt-4.1", training_file=training, seed=3).id)
    assert client.files.content(first.result_files[0]).text == client.files.content(second.result_files[0]).text
    assert first.fine_tuned_model != second.fine_tuned_model  # each job its own model


def test_the_v1_surface_runs_the_loop_and_its_bodies_follow_the_spec(v1: OpenAI) -> None:
    training = upload(v1, jsonl(TRAINING))
    created = v1.fine_tuning.jobs.with_raw_response.create(model="gpt-4.1-nano", training_file=training)
    assert created.status_code == 200  # the dated API answers 201
    job = created.parse()
    done = finish(v1, job.id)
    assert done.status == "succeeded" and done.model == "gpt-4.1-nano-2025-04-14"
    http = httpx.Client(headers={"api-key": "k"})
    base = f"{v1.base_url}fine_tuning/jobs"
    assert_ft_valid("OpenAI.FineTuningJob", http.get(f"{base}/{job.id}").json())
    assert_ft_valid("OpenAI.FineTuningJob", json.loads(created.text))
    assert_ft_valid("OpenAI.ListPaginatedFineTuningJobsResponse", http.get(base, params={"limit": 2}).json())
    assert_ft_valid("OpenAI.ListFineTuningJobEventsResponse", http.get(f"{base}/{job.id}/events").json())
    assert_ft_valid("OpenAI.ListFineTuningJobCheckpointsResponse", http.get(f"{base}/{job.id}/checkpoints").json())
    assert [j.id for j in v1.fine_tuning.jobs.list(limit=1)][:1] == [job.id]  # newest first
    http.close()


def assert_ft_valid(component: str, body: dict[str, Any]) -> None:
    """The v1 spec's schema, less what real Azure jobs show and the spec (copied from OpenAI's)
    lacks: statuses pending, paused and resuming, and null organization_id and result_files
    before a job has them (saved outputs of real Azure jobs; see data/fine_tuning.yaml)."""

    def as_spec_has_it(job: dict[str, Any]) -> dict[str, Any]:
        job = dict(job)
        if job["status"] in ("pending", "paused", "resuming"):
            job["status"] = "queued"
        return {**job, "organization_id": job["organization_id"] or "", "result_files": job["result_files"] or []}

    if component == "OpenAI.FineTuningJob":
        body = as_spec_has_it(body)
    elif component == "OpenAI.ListPaginatedFineTuningJobsResponse":
        body = {**body, "data": [as_spec_has_it(job) for job in body["data"]]}
    assert_valid_component("v1", component, body)


# -- training data, checked line by line --------------------------------------------------------

NO_ASSISTANT = {"messages": [{"role": "user", "content": "hi"}]}
BAD_ROLE = {"messages": [{"role": "robot", "content": "beep"}, {"role": "assistant", "content": "ok"}]}
BAD_WEIGHT = {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "ok", "weight": 2}]}
USER_WEIGHT = {"messages": [{"role": "user", "content": "hi", "weight": 1}, {"role": "assistant", "content": "ok"}]}
ALL_WEIGHT_ZERO = {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "ok", "weight": 0}]}
BAD_CALL = {
    "messages": [
        {"role": "user", "content": "weather?"},
        {
            "role": "assistant",
            "tool_calls": [{"id": "c", "type": "function", "function": {"name": "w", "arguments": {}}}],
        },
    ]
}


@pytest.mark.parametrize(
    ("lines", "code", "names"),
    [
        ([*TRAINING[:3], "{not json", *TRAINING[3:]], "invalid_training_file", "Example 4 is not valid JSON"),
        ([*TRAINING[:5], ["a list"], *TRAINING[5:]], "invalid_training_file", "Example 6 is not a JSON object"),
        ([{"prompt": "x", "completion": "y"}, *TRAINING], "invalid_training_file", "Example 1: 'messages'"),
        ([*TRAINING, BAD_ROLE], "invalid_training_file", 'Example 13: a message has the role "robot"'),
        ([*TRAINING[:1], NO_ASSISTANT, *TRAINING], "invalid_training_file", "Example 2: the example has no assistant"),
        ([*TRAINING, ALL_WEIGHT_ZERO], "invalid_training_file", "Example 13: the example has no assistant"),
        ([*TRAINING, BAD_WEIGHT], "invalid_training_file", "Example 13: a message's weight must be 0 or 1"),
        ([*TRAINING, USER_WEIGHT], "invalid_training_file", "Example 13: only assistant messages may have a weight"),
        ([*TRAINING, BAD_CALL], "invalid_training_file", "Example 13: a tool call's arguments must be a JSON string"),
        (TRAINING[:9], "invalid_n_examples", "Training file has 9 example(s), but must have at least 10 examples"),
        ([*TRAINING[:2], "", *TRAINING[2:4], "{"], "invalid_training_file", "Example 5 (line 6) is not valid JSON"),
    ],
)
def test_a_bad_training_file_fails_the_job_naming_the_example(
    client: AzureOpenAI, lines: list[Any], code: str, names: str
) -> None:
    job = client.fine_tuning.jobs.create(model="gpt-4o-mini", training_file=upload(client, jsonl(lines)))
    failed = finish(client, job.id)
    assert failed.status == "failed" and failed.fine_tuned_model is None
    assert (failed.error.code, failed.error.param) == (code, "training_file")
    assert names in failed.error.message, failed.error.message
    last = client.fine_tuning.jobs.list_events(job.id, limit=1).data[0]
    assert (last.level, last.message) == ("error", f"Job failed: {failed.error.message}")


def test_an_example_over_the_models_token_limit_fails_the_job(client: AzureOpenAI) -> None:
    long = example(99, answer="word " * 33_000)  # gpt-4.1-nano trains on at most 32,768 tokens an example
    job = client.fine_tuning.jobs.create(model="gpt-4.1-nano", training_file=upload(client, jsonl([*TRAINING, long])))
    failed = finish(client, job.id)
    assert failed.error.code == "invalid_training_file"
    assert "Example 13 has" in failed.error.message and "32768" in failed.error.message


def test_a_bad_validation_file_names_the_validation_file(client: AzureOpenAI) -> None:
    job = client.fine_tuning.jobs.create(
        model="gpt-4o-mini",
        training_file=upload(client, jsonl(TRAINING)),
        validation_file=upload(client, jsonl([NO_ASSISTANT])),
    )
    failed = finish(client, job.id)
    assert (failed.error.code, failed.error.param) == ("invalid_validation_file", "validation_file")
    assert failed.error.message.startswith("The job failed due to an invalid validation file.")


def preference(i: int) -> dict[str, Any]:
    return {
        "input": {"messages": [{"role": "user", "content": f"Greet visitor {i}."}]},
        "preferred_output": [{"role": "assistant", "content": "Welcome, it is good to see you."}],
        "non_preferred_output": [{"role": "assistant", "content": "What?"}],
    }


def test_dpo_trains_on_preference_pairs_and_refuses_chat_examples(client: AzureOpenAI) -> None:
    method = {"type": "dpo", "dpo": {"hyperparameters": {"beta": 0.2, "n_epochs": 2}}}
    pairs = upload(client, jsonl([preference(i) for i in range(10)]))
    done = finish(client, client.fine_tuning.jobs.create(model="gpt-4o", training_file=pairs, method=method).id)  # type: ignore[arg-type]
    assert done.status == "succeeded" and done.method.dpo.hyperparameters.beta == 0.2
    assert done.hyperparameters.n_epochs == 2
    chats = upload(client, jsonl(TRAINING))
    failed = finish(client, client.fine_tuning.jobs.create(model="gpt-4o", training_file=chats, method=method).id)  # type: ignore[arg-type]
    assert "'input'" in failed.error.message


# -- create's checks ----------------------------------------------------------------------------


def refused(call: Callable[[], Any], status: int = 400) -> dict[str, Any]:
    with pytest.raises(openai.APIStatusError) as caught:
        call()
    assert caught.value.status_code == status
    error: dict[str, Any] = caught.value.response.json()["error"]
    assert set(error) == {"code", "message"}  # the fine-tuning API's shape
    return error


def test_the_client_library_pages_sample_gets_azures_error(client: AzureOpenAI) -> None:
    # The Python error-handling sample: a training file that does not exist.
    error = refused(lambda: client.fine_tuning.jobs.create(model="gpt-4o", training_file="file-test"))
    assert error["code"] == "invalidPayload" and "file-test" in error["message"]
    with pytest.raises(openai.BadRequestError):
        client.fine_tuning.jobs.create(model="gpt-4o", training_file="file-test")


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"model": "gpt-4o-2024-05-13"}, "The specified base model does not support fine-tuning."),
        ({"model": "text-embedding-3-small"}, "The specified base model does not support fine-tuning."),
        ({"hyperparameters": {"n_epochs": 0}}, "hyperparameters.n_epochs"),
        ({"hyperparameters": {"n_epochs": 51}}, "hyperparameters.n_epochs"),
        ({"hyperparameters": {"batch_size": 300}}, "hyperparameters.batch_size"),
        ({"hyperparameters": {"learning_rate_multiplier": 0}}, "hyperparameters.learning_rate_multiplier"),
        ({"hyperparameters": {"n_epochs": "three"}}, "hyperparameters.n_epochs"),
        ({"hyperparameters": {"beta": 0.1}}, "Unknown hyperparameter for supervised fine-tuning: beta."),
        ({"method": {"type": "dpo", "dpo": {}}}, "does not support dpo fine-tuning"),
        ({"method": {"type": "distillation"}}, "Invalid value: 'distillation'"),
        ({"suffix": "x" * 41}, "suffix"),
        ({"suffix": "my.model"}, "a-z, A-Z, 0-9, - and _"),
        ({"suffix": "marv\n"}, "a-z, A-Z, 0-9, - and _"),
        ({"model": "gpt-4o-mini-"}, "The specified base model does not support fine-tuning."),
        ({"seed": -1}, "seed"),
        ({"metadata": {f"k{i}": "v" for i in range(17)}}, "metadata"),
    ],
)
def test_create_refuses_what_the_service_refuses(client: AzureOpenAI, changes: dict[str, Any], words: str) -> None:
    body = {"model": "gpt-4o-mini", "training_file": upload(client, jsonl(TRAINING)), **changes}
    error = refused(lambda: client.fine_tuning.jobs.create(**body))
    assert error["code"] == "invalidPayload" and words in error["message"], error


def test_create_refuses_files_for_other_purposes_and_reinforcement_without_its_parts(client: AzureOpenAI) -> None:
    batch_file = upload(
        client, jsonl([{"custom_id": "1", "method": "POST", "url": "/chat/completions", "body": {}}]), "batch"
    )
    error = refused(lambda: client.fine_tuning.jobs.create(model="gpt-4o-mini", training_file=batch_file))
    assert "purpose 'batch'" in error["message"]
    training = upload(client, jsonl(TRAINING))
    no_grader = {"type": "reinforcement", "reinforcement": {}}
    refused(lambda: client.fine_tuning.jobs.create(model="o4-mini", training_file=training, method=no_grader))  # type: ignore[arg-type]
    grader = {
        "type": "string_check",
        "name": "exact",
        "input": "{{sample.output_text}}",
        "operation": "eq",
        "reference": "{{item.answer}}",
    }
    method = {"type": "reinforcement", "reinforcement": {"grader": grader}}
    error = refused(lambda: client.fine_tuning.jobs.create(model="o4-mini", training_file=training, method=method))  # type: ignore[arg-type]
    assert "validation file" in error["message"]


def test_training_type_is_taken_in_any_case_and_echoed_as_azure_writes_it(client: AzureOpenAI) -> None:
    training = upload(client, jsonl(TRAINING))
    unknown = {"trainingType": "premium"}
    error = refused(
        lambda: client.fine_tuning.jobs.create(model="gpt-4o-mini", training_file=training, extra_body=unknown)
    )
    assert "trainingType" in error["message"]
    job = client.fine_tuning.jobs.create(
        model="gpt-4o-mini", training_file=training, extra_body={"trainingType": "GlobalStandard"}
    )
    assert job.model_dump()["trainingType"] == "globalStandard"
    stop(client, job.id)


# -- cancel, pause, resume, the queue ------------------------------------------------------------


def test_pause_resume_and_cancel(client: AzureOpenAI) -> None:
    training = upload(client, jsonl(TRAINING))
    job = client.fine_tuning.jobs.create(model="gpt-4o-mini", training_file=training, method=LONG)
    try:
        wait_for(client, job.id, "running")
        assert client.fine_tuning.jobs.pause(job.id).status == "paused"
        steps = len(client.fine_tuning.jobs.checkpoints.list(job.id, limit=10).data)
        time.sleep(STEP_S * 5)  # five steps of the clock pass; a paused job does not move
        held = client.fine_tuning.jobs.retrieve(job.id)
        assert held.status == "paused" and len(client.fine_tuning.jobs.checkpoints.list(job.id).data) == steps
        assert refused(lambda: client.fine_tuning.jobs.pause(job.id))["code"] == "unexpectedEntityState"
        assert client.fine_tuning.jobs.resume(job.id).status == "resuming"
        wait_for(client, job.id, "running")
        assert client.fine_tuning.jobs.cancel(job.id).status == "cancelled"
    finally:
        stop(client, job.id)  # a paused job would hold the queue
    done = finish(client, job.id)
    assert done.status == "cancelled" and done.fine_tuned_model is None
    messages = [e.message for e in client.fine_tuning.jobs.list_events(job.id, limit=200).data]
    assert messages[0] == "Job cancelled." and "Job resumed." in messages
    assert any(m.startswith("Job paused at step") for m in messages)
    for action in (client.fine_tuning.jobs.cancel, client.fine_tuning.jobs.pause, client.fine_tuning.jobs.resume):
        assert refused(lambda: action(job.id))["code"] == "unexpectedEntityState"


def test_one_job_trains_at_a_time_and_the_others_wait_pending(client: AzureOpenAI) -> None:
    training = upload(client, jsonl(TRAINING))
    first = client.fine_tuning.jobs.create(model="gpt-4o-mini", training_file=training, method=LONG)
    second = client.fine_tuning.jobs.create(model="gpt-4o-mini", training_file=training)
    wait_for(client, first.id, "running")
    time.sleep(STEP_S * 3)
    assert client.fine_tuning.jobs.retrieve(second.id).status == "pending"  # still waiting its turn
    client.fine_tuning.jobs.cancel(first.id)
    assert finish(client, second.id).status == "succeeded"


def test_more_than_twenty_waiting_jobs_is_a_429(client: AzureOpenAI) -> None:
    training = upload(client, jsonl(TRAINING))
    made: list[str] = []
    try:
        with pytest.raises(openai.RateLimitError) as caught:
            for _ in range(25):
                made.append(client.fine_tuning.jobs.create(model="gpt-4o-mini", training_file=training, method=LONG).id)
        assert caught.value.response.json()["error"]["code"] == "quotaExceeded"
        assert len(made) >= 20  # twenty waiting (and one or more that got to run)
    finally:
        for job_id in made:
            stop(client, job_id)


def test_an_unknown_job_is_a_404(client: AzureOpenAI) -> None:
    error = refused(lambda: client.fine_tuning.jobs.retrieve("ftjob-" + "0" * 32), 404)
    assert error["code"] == "notFound"
    refused(lambda: client.fine_tuning.jobs.list_events("ftjob-nope"), 404)


def test_list_pages_newest_first(client: AzureOpenAI) -> None:
    training = upload(client, jsonl(TRAINING))
    ids = [
        client.fine_tuning.jobs.create(model="gpt-4o-mini", training_file=training, method=LONG).id for _ in range(3)
    ]
    for job_id in ids:
        stop(client, job_id)
    page = client.fine_tuning.jobs.list(limit=2)
    assert [j.id for j in page.data] == ids[:0:-1] and page.has_more
    assert client.fine_tuning.jobs.list(limit=1, after=ids[1]).data[0].id == ids[0]


# -- versions and faults ----------------------------------------------------------------------------


def test_versions_have_what_the_authoring_api_had_then(client: AzureOpenAI, endpoint: str) -> None:
    def on(version: str) -> AzureOpenAI:
        return AzureOpenAI(azure_endpoint=endpoint, api_key="k", api_version=version, max_retries=0)

    training = upload(client, jsonl(TRAINING))  # Files came later to the inference API than jobs
    with on("2024-02-01") as ga, on("2024-02-15-preview") as early, on("2025-03-01-preview") as later:
        with pytest.raises(openai.BadRequestError, match="API version not supported"):
            ga.fine_tuning.jobs.list()  # no fine-tuning on this GA version
        job = early.fine_tuning.jobs.create(model="gpt-4o-mini", training_file=training, method=LONG)
        with pytest.raises(openai.BadRequestError, match="API version not supported"):
            early.fine_tuning.jobs.checkpoints.list(job.id)  # checkpoints from 2024-05-01-preview on
        with pytest.raises(openai.BadRequestError, match="API version not supported"):
            later.fine_tuning.jobs.pause(job.id)  # pause and resume from 2025-04-01-preview on
        assert later.fine_tuning.jobs.checkpoints.list(job.id).object == "list"
        later.fine_tuning.jobs.cancel(job.id)


def test_scenarios_and_the_journal_apply_to_fine_tuning_as_to_everything(client: AzureOpenAI, endpoint: str) -> None:
    marked = {"x-emulator-scenario": "throttled", "x-test-id": f"ft-{time.monotonic_ns()}"}
    with pytest.raises(openai.RateLimitError):
        client.with_options(default_headers=marked).fine_tuning.jobs.list()
    journal = httpx.get(f"{endpoint}/_emulator/requests", params={"header": f"x-test-id:{marked['x-test-id']}"})
    [entry] = journal.json()["requests"]
    assert (entry["operation"], entry["status"]) == ("fine_tuning_list", 429)


def test_a_fine_tuned_model_named_in_the_configuration_file_is_deployed(tmp_path: Any) -> None:
    model = "gpt-4.1-mini-2025-04-14.ft-4cad7de198a34baeb4f0c95ff01ac844"  # as Azure names one
    config = tmp_path / "emulator.yaml"
    config.write_text(f"deployments:\n  tuned: {{model: {model}}}\n  base: {{model: gpt-4.1-mini}}\n")
    with running_emulator(Settings.build(config)) as url:
        with AzureOpenAI(azure_endpoint=url, api_key="k", api_version=VERSION, max_retries=0) as client:
            ask = [{"role": "user", "content": "Describe the tides."}]
            tuned = client.chat.completions.create(model="tuned", messages=ask)  # type: ignore[arg-type]
            base = client.chat.completions.create(model="base", messages=ask)  # type: ignore[arg-type]
            assert tuned.model == model and base.model == "gpt-4.1-mini-2025-04-14"
            assert tuned.choices[0].message.content != base.choices[0].message.content
            assert model in {m.id for m in client.models.list()}


def test_json_lines_are_split_on_newlines_only(client: AzureOpenAI) -> None:
    separated = example(0, answer="one\u2028two\x1cthree")  # raw in the file, as JSON allows
    data = "\r\n".join(json.dumps(e, ensure_ascii=False) for e in [separated, *TRAINING]).encode()
    assert (
        finish(
            client, client.fine_tuning.jobs.create(model="gpt-4o-mini", training_file=upload(client, data)).id
        ).status
        == "succeeded"
    )


def test_a_deeply_nested_line_fails_the_job_rather_than_leaving_it_waiting(client: AzureOpenAI) -> None:
    nested = "[" * 100_000 + "]" * 100_000
    job = client.fine_tuning.jobs.create(model="gpt-4o-mini", training_file=upload(client, jsonl([nested, *TRAINING])))
    failed = finish(client, job.id)
    assert failed.status == "failed" and "Example 1 is not valid JSON" in failed.error.message


def test_bad_pages_answer_in_the_fine_tuning_shape(client: AzureOpenAI) -> None:
    for limit in ("9" * 5000, "١٠", "-1"):
        error = refused(lambda: client.fine_tuning.jobs.list(extra_query={"limit": limit}))
        assert "limit" in error["message"]


def test_a_fine_tuned_model_trains_further(client: AzureOpenAI) -> None:
    done = finish(
        client, client.fine_tuning.jobs.create(model="gpt-4o-mini", training_file=upload(client, jsonl(TRAINING))).id
    )
    listed = client.models.retrieve(done.fine_tuned_model)
    assert listed.model_dump()["capabilities"]["fine_tune"] is True
