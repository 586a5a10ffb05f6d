"""The Realtime API: voice and text sessions over a WebSocket (its GA event protocol).

server.py        the handshake (the pipeline's checks, refusals before the upgrade), the
                 session's loop and its journal entry
faults.py        a scenario's faults inside an open session
session.py       one session: client events in order, and what each does
config.py        the session's configuration and session.update; a response's settings
conversation.py  the items, checked as the service checks them, read as chat messages
listener.py      the input audio buffer, its turns (server VAD) and what audio says
transcript.py    input audio transcription: its events and its usage
idle.py          server VAD's idle timeout
responder.py     one response: its events, pacing, content filter and usage
running.py       a response in progress, and its pauses that a cancel cuts short
events.py        the client events, parsed and refused as the service words it
answer.py        what a response says (chat's choice maker) and its speech
vad.py           server voice activity detection from the samples
formats.py       PCM16 at 24 kHz and G.711 µ-law / A-law at 8 kHz
"""
