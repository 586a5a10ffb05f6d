"""Audio files in and out: speech encoded in each format the service writes, and uploads
recognised by their content (not their name) with their real duration.

Speech the emulator writes carries its text in the file's own metadata (a Vorbis comment, an
ID3 comment, a RIFF chunk; tags.py), so transcribing it gives the text back even in another
emulator process. Raw PCM has nowhere to put it: the emulator remembers the samples of the
speech it wrote (``SpeechMemory``), so PCM a client wraps in a WAV file (the only way to
upload it) is recognised too. soundfile (libsndfile) encodes mp3, flac, Ogg/Opus and wav
(encoder.py) and reads their durations (uploads.py); MP4/M4A, MPEG-PS and WebM durations are
read from their headers (durations.py); AAC needs the optional ``av`` package (the ``aac``
extra).
"""

from __future__ import annotations

from .encoder import AAC_EXTRA, CONTENT_TYPES, aac_available, encode
from .tags import TAG
from .uploads import SPEECH_RATE, NotAudio, Probe, probe, samples_digest

__all__ = [
    "AAC_EXTRA",
    "CONTENT_TYPES",
    "NotAudio",
    "Probe",
    "SPEECH_RATE",
    "TAG",
    "aac_available",
    "encode",
    "probe",
    "samples_digest",
]
