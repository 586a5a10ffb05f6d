"""Token counting is exact and never touches the network."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from emulator import tokens


@pytest.mark.parametrize(
    ("encoding", "expected"),
    # The ids OpenAI's own tokenizers give (seen on the wire in langchain's requests).
    [("cl100k_base", [15339, 1917]), ("o200k_base", [24912, 2375])],
)
def test_vendored_vocabularies_give_openais_token_ids(encoding: str, expected: list[int]) -> None:
    assert tokens.encode("hello world", encoding) == expected


def test_decoding_restores_the_text() -> None:
    text = "Grüße, 世界! Ça va? 🙂"
    for name in ("cl100k_base", "o200k_base"):
        assert tokens.decode(tokens.encode(text, name), name) == text
        assert b"".join(tokens.decode_bytes(tokens.encode(text, name), name)).decode() == text


def test_special_token_text_is_counted_as_plain_text() -> None:
    assert tokens.count("<|endoftext|>", "cl100k_base") > 1


def test_tokenizers_load_with_the_network_blocked() -> None:
    # A fresh process where any socket connection fails: loading and counting must not care.
    script = textwrap.dedent(
        """
        import socket
        def refuse(*args, **kwargs):
            raise OSError("network access attempted")
        socket.socket.connect = refuse
        socket.create_connection = refuse
        from emulator import tokens
        tokens.warm_up()
        print(tokens.count("offline and exact", "o200k_base"))
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) == 3


def test_a_corrupted_vocabulary_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    import gzip

    broken = gzip.compress(b"aGVsbG8= 0\n")

    class FakeFile:
        def read_bytes(self) -> bytes:
            return broken

    class FakeRoot:
        def joinpath(self, _: str) -> FakeFile:
            return FakeFile()

    monkeypatch.setattr(tokens.resources, "files", lambda _: FakeRoot())
    with pytest.raises(tokens.TokenizerIntegrityError):
        tokens._load("cl100k_base")


@pytest.mark.parametrize("encoding", ["cl100k_base", "o200k_base"])
def test_reply_token_ids_equal_the_tokenizers_ids_for_the_whole_text(encoding: str) -> None:
    from emulator.synth import text

    for seed in range(300):
        topics = (("migration", "database"), (), ("don't", "x-ray", "café"))[seed % 3]
        prose = text.reply(seed, topics, 40 + seed % 50, encoding)
        assert list(prose.token_ids) == tokens.encode(prose.text, encoding)
