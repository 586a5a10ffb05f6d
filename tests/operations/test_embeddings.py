"""Embeddings through the official clients: shapes, encodings, limits, and vectors that
behave like embeddings (a labelled similarity set below)."""

from __future__ import annotations

import base64
import itertools
import os
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import httpx
import numpy as np
import openai
import pytest
from openai import AzureOpenAI, OpenAI

from emulator import tokens
from support import assert_valid_response

SMALL = "text-embedding-3-small"
PATH = f"/openai/deployments/{SMALL}/embeddings"
GA = {"api-version": "2024-10-21"}

# Pairs a person would call paraphrases: the same question or statement in other words.
PARAPHRASES = [
    ("How do I reset my password?", "What is the procedure to reset a forgotten password?"),
    ("pip install numpy", "Install numpy with pip"),
    ("The cat sat on the mat", "A cat was sitting on the mat"),
    ("Best restaurants in Paris", "Where to eat in Paris: the best restaurants"),
    ("How to bake sourdough bread at home", "Baking sourdough bread at home, step by step"),
    ("Python list comprehension examples", "Examples of list comprehensions in Python"),
    ("Symptoms of the flu", "What are common flu symptoms?"),
    ("Cheap flights to Tokyo", "Finding cheap flights to Tokyo"),
    ("How to change a car tire", "Changing a flat tire on your car"),
    ("Database migration plan", "Planning a database migration"),
]
# Texts about unrelated things, sharing no content words with each other or the pairs.
UNRELATED = [
    "The weather is sunny today",
    "Quantum entanglement explained",
    "My favourite football team lost",
    "Recipe for chocolate cake",
    "Kubernetes pod scheduling",
    "Ancient Roman architecture",
    "How to learn the violin",
    "Stock market closing prices",
    "Hiking trails in Norway",
    "Linear algebra eigenvalues",
]


def vectors(client: AzureOpenAI, texts: list[str], **kwargs: Any) -> np.ndarray:
    response = client.embeddings.create(model=SMALL, input=texts, **kwargs)
    return np.array([d.embedding for d in response.data], dtype=np.float64)


def test_vectors_have_the_models_size_and_unit_length(client: AzureOpenAI) -> None:
    for model, size in ((SMALL, 1536), ("text-embedding-3-large", 3072), ("text-embedding-ada-002", 1536)):
        response = client.embeddings.create(model=model, input="The harbour at dawn")
        vector = np.array(response.data[0].embedding)
        assert vector.shape == (size,)
        assert abs(np.linalg.norm(vector) - 1) < 1e-6
        assert response.model == model
        assert response.object == "list" and response.data[0].object == "embedding"


def test_paraphrases_score_clearly_above_unrelated_texts(client: AzureOpenAI) -> None:
    texts = [t for pair in PARAPHRASES for t in pair] + UNRELATED
    v = vectors(client, texts)
    paraphrase = [float(v[2 * i] @ v[2 * i + 1]) for i in range(len(PARAPHRASES))]
    firsts = range(0, 2 * len(PARAPHRASES))
    unrelated = [abs(float(v[i] @ v[j])) for i in firsts for j in range(20, 30)]
    unrelated += [abs(float(v[i] @ v[j])) for i, j in itertools.combinations(range(20, 30), 2)]
    assert np.mean(paraphrase) >= 0.5
    assert min(paraphrase) > max(unrelated)
    assert max(unrelated) <= 0.15


def test_each_paraphrase_finds_its_partner_first(client: AzureOpenAI) -> None:
    texts = [t for pair in PARAPHRASES for t in pair] + UNRELATED
    for dimensions in (None, 512, 256):
        kwargs = {"dimensions": dimensions} if dimensions else {}
        v = vectors(client, texts, **kwargs)
        scores = v @ v.T
        np.fill_diagonal(scores, -1)
        for i in range(2 * len(PARAPHRASES)):
            assert int(np.argmax(scores[i])) == i ^ 1, (dimensions, texts[i])


def test_dimensions_truncate_and_renormalise_the_full_vector(client: AzureOpenAI) -> None:
    full = vectors(client, ["Vectors for a search index"])[0]
    short = vectors(client, ["Vectors for a search index"], dimensions=256)[0]
    assert short.shape == (256,)
    expected = full[:256] / np.linalg.norm(full[:256])
    assert np.allclose(short, expected, atol=1e-6)


def test_sdk_default_base64_equals_float_encoding(client: AzureOpenAI, http: httpx.Client) -> None:
    # The SDK asks for base64 when no encoding_format is given, and decodes it.
    decoded = vectors(client, ["one text", "another text"])
    floats = http.post(PATH, params=GA, json={"input": ["one text", "another text"], "encoding_format": "float"})
    as_floats = np.array([d["embedding"] for d in floats.json()["data"]])
    assert np.allclose(decoded, as_floats, atol=1e-8)


def test_base64_is_little_endian_float32(http: httpx.Client) -> None:
    body = {"input": "bytes on the wire", "encoding_format": "base64", "dimensions": 10}
    encoded = http.post(PATH, params=GA, json=body).json()["data"][0]["embedding"]
    vector = np.frombuffer(base64.b64decode(encoded), dtype="<f4")
    assert vector.shape == (10,)
    assert abs(float(np.linalg.norm(vector)) - 1) < 1e-6


def test_token_arrays_embed_like_their_text(client: AzureOpenAI) -> None:
    texts = ["hello world", "a second document about rivers"]
    ids = [tokens.encode(t, "cl100k_base") for t in texts]
    from_text = vectors(client, texts)
    from_ids = np.array([d.embedding for d in client.embeddings.create(model=SMALL, input=ids).data])
    one_array = np.array(client.embeddings.create(model=SMALL, input=ids[0]).data[0].embedding)
    assert np.array_equal(from_text, from_ids)
    assert np.array_equal(from_text[0], one_array)


def test_usage_counts_the_inputs_tokens(client: AzureOpenAI) -> None:
    texts = ["How do I reset my password?", "naïve café — déjà vu"]
    response = client.embeddings.create(model=SMALL, input=texts)
    expected = sum(len(tokens.encode(t, "cl100k_base")) for t in texts)
    assert response.usage.prompt_tokens == response.usage.total_tokens == expected
    ids = client.embeddings.create(model=SMALL, input=[[1, 2, 3], [4, 5]])
    assert ids.usage.prompt_tokens == 5


def test_data_comes_back_in_input_order(client: AzureOpenAI) -> None:
    texts = [f"document number {i}" for i in range(50)]
    response = client.embeddings.create(model=SMALL, input=texts)
    assert [d.index for d in response.data] == list(range(50))
    single = [client.embeddings.create(model=SMALL, input=t).data[0].embedding for t in texts[:3]]
    assert [d.embedding for d in response.data[:3]] == single


def test_a_lone_empty_string_gets_a_vector(client: AzureOpenAI) -> None:
    vector = np.array(client.embeddings.create(model=SMALL, input="").data[0].embedding)
    assert abs(np.linalg.norm(vector) - 1) < 1e-6


def test_v1_route_serves_embeddings(v1_client: OpenAI, client: AzureOpenAI) -> None:
    got = v1_client.embeddings.create(model=SMALL, input="same text either way")
    expected = client.embeddings.create(model=SMALL, input="same text either way")
    assert got.data[0].embedding == expected.data[0].embedding


@pytest.mark.parametrize("version", ["2024-02-01", "2024-06-01", "2024-10-21"])
def test_float_response_validates_against_the_spec(http: httpx.Client, version: str) -> None:
    body: dict[str, Any] = {"input": ["first", "second"]}
    if version != "2024-02-01":
        body.update(encoding_format="float", dimensions=64)
    response = http.post(PATH, params={"api-version": version}, json=body)
    assert response.status_code == 200, response.text
    assert_valid_response(version, "embeddings", response.json())


def test_vectors_are_bit_identical_in_another_process(endpoint: str) -> None:
    body = {"input": ["determinism across processes", "ünïcödé text"], "encoding_format": "base64"}
    here = httpx.post(f"{endpoint}{PATH}", params=GA, json=body, headers={"api-key": "k"}).json()
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    process = subprocess.Popen(
        [sys.executable, "-m", "emulator", "--port", "0"], stdout=subprocess.PIPE, text=True, env=env
    )
    try:
        assert process.stdout is not None
        other = process.stdout.readline().split(" listening on ")[1].strip()
        there = httpx.post(f"{other}{PATH}", params=GA, json=body, headers={"api-key": "k"}, timeout=30).json()
    finally:
        process.terminate()
        process.communicate(timeout=30)
    assert [d["embedding"] for d in here["data"]] == [d["embedding"] for d in there["data"]]


BAD = [
    ({"input": []}, None, None, "Invalid 'input': input cannot be an empty array."),
    (
        {"input": ["a", ""]},
        None,
        None,
        "'$.input' is invalid. Please check the API reference: https://platform.openai.com/docs/api-reference.",
    ),
    ({"input": ["x"] * 2049}, "input", "array_above_max_length", "Invalid 'input': array length must be 2048 or less."),
    (
        {"input": [[1, 2], [999_999_999]]},
        "input",
        "invalid_value",
        "Invalid 'input[1]': 999999999 is not a valid token id for this model.",
    ),
    (
        {"input": "x", "dimensions": 0},
        "dimensions",
        "integer_below_min_value",
        "Invalid 'dimensions': integer below minimum value. Expected a value >= 1, but got 0 instead.",
    ),
    (
        {"input": "x", "dimensions": 1537},
        "dimensions",
        "integer_above_max_value",
        "Invalid 'dimensions': integer above maximum value. Expected a value <= 1536, but got 1537 instead.",
    ),
    (
        {"input": "x", "encoding_format": "int8"},
        None,
        None,
        "Invalid value for 'encoding_format' = int8. Supported values: ['float', 'base64'].",
    ),
    ({"input": 42}, "input", "invalid_type", None),
]


@pytest.mark.parametrize(
    ("body", "param", "code", "message"), BAD, ids=[b[3][:40] if b[3] else "wrong-type" for b in BAD]
)
def test_bad_input_gets_azures_400(
    http: httpx.Client, body: dict[str, Any], param: str | None, code: str | None, message: str | None
) -> None:
    response = http.post(PATH, params=GA, json=body)
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert (error["param"], error["code"]) == (param, code)
    if message:
        assert error["message"] == message


def test_an_input_over_the_token_limit_is_refused(client: AzureOpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        client.embeddings.create(model=SMALL, input=["short", "word " * 8200])
    assert caught.value.body["message"] == "Invalid 'input[1]': maximum input length is 8192 tokens."
    assert caught.value.param == "input"


def test_dimensions_on_ada_002_is_refused(client: AzureOpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        client.embeddings.create(model="text-embedding-ada-002", input="x", dimensions=256)
    assert caught.value.body["message"] == "This model does not support specifying dimensions."
    assert caught.value.param is None


def test_dimensions_before_its_api_version_is_unrecognized(azure: Callable[..., AzureOpenAI]) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        azure(api_version="2024-02-01").embeddings.create(model=SMALL, input="x", dimensions=256)
    assert caught.value.body["message"] == "Unrecognized request argument supplied: dimensions"


@pytest.mark.parametrize("version", ["2023-05-15", "2024-02-01"])
def test_sdk_defaults_work_on_old_versions(azure: Callable[..., AzureOpenAI], version: str) -> None:
    # The SDK sends encoding_format=base64 even where the spec predates it; so does langchain,
    # whose default api-version is 2023-05-15.
    vector = azure(api_version=version).embeddings.create(model="text-embedding-ada-002", input="x").data[0].embedding
    assert len(vector) == 1536


def test_embeddings_on_a_chat_deployment_is_operation_not_supported(client: AzureOpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        client.embeddings.create(model="gpt-4o", input="x")
    assert caught.value.code == "OperationNotSupported"
    assert caught.value.body["message"].startswith(
        "The embeddings operation does not work with the specified model, gpt-4o."
    )


def test_a_full_batch_in_base64_decodes_to_the_float_answer(http: httpx.Client) -> None:
    texts = [f"batch text number {i} about rivers and harbours" for i in range(300)]
    b64 = http.post(PATH, params=GA, json={"input": texts, "encoding_format": "base64", "dimensions": 100}).json()
    floats = http.post(PATH, params=GA, json={"input": texts, "encoding_format": "float", "dimensions": 100}).json()
    assert [d["index"] for d in b64["data"]] == list(range(300))
    decoded = np.array([np.frombuffer(base64.b64decode(d["embedding"]), dtype="<f4") for d in b64["data"]])
    assert np.allclose(decoded, np.array([d["embedding"] for d in floats["data"]]), atol=1e-8)
    assert b64["usage"] == floats["usage"] and b64["model"] == floats["model"] == SMALL


@pytest.mark.parametrize("dimensions", [1, 2, 7, 15, 16, 33, 63, 64])
def test_every_dimension_gives_unit_vectors(http: httpx.Client, dimensions: int) -> None:
    texts = ["hi", "memo", "!!!", "", "a longer text about rivers", "🙂"]
    for text in texts:
        body = {"input": text, "encoding_format": "float", "dimensions": dimensions}
        vector = np.array(http.post(PATH, params=GA, json=body).json()["data"][0]["embedding"])
        assert vector.shape == (dimensions,)
        assert abs(np.linalg.norm(vector) - 1) < 1e-6, (text, dimensions)


@pytest.mark.parametrize("text", ["!!!", " ", "🙂", ""])
def test_texts_without_words_embed_like_their_tokens(client: AzureOpenAI, text: str) -> None:
    from_text = client.embeddings.create(model=SMALL, input=[text, "x"]).data[0].embedding if text else None
    if from_text is None:
        return  # an empty string has no token array to compare with
    ids = tokens.encode(text, "cl100k_base")
    assert client.embeddings.create(model=SMALL, input=[ids, [87]]).data[0].embedding == from_text


def test_large_answers_are_not_kept_in_memory(http: httpx.Client, endpoint: str) -> None:
    from support import APPS

    memo = APPS[endpoint].state.pipeline.memo
    body = {"input": [f"t{i}" for i in range(800)], "encoding_format": "float", "user": "memo-size-test"}
    assert http.post("/openai/deployments/text-embedding-3-large/embeddings", params=GA, json=body).status_code == 200
    hits = memo.hits
    assert http.post("/openai/deployments/text-embedding-3-large/embeddings", params=GA, json=body).status_code == 200
    assert memo.hits == hits  # 800 x 3072 floats: far over the per-answer limit, so answered afresh
