"""The Realtime API: voice and text sessions over a WebSocket (its GA event protocol).

server.py   the handshake (the pipeline's checks, refusals before the upgrade), the
            session's loop and its journal entry
session.py  one session: client events in order, the conversation, input audio, responses
events.py   the client events, parsed and refused as the service words it
answer.py   what a response says (chat's choice maker) and its speech
vad.py      server voice activity detection from the samples
formats.py  PCM16 at 24 kHz and G.711 µ-law / A-law at 8 kHz
"""
