"""Durations read from the headers of the containers libsndfile does not read: MP4/M4A (the
movie header), MPEG program streams (their audio packets' timestamps) and WebM (its segment
info, or the last block's time for a browser's streamed recording). Each returns None for a
file too damaged to tell."""

from __future__ import annotations

import struct


def mp4_duration(data: bytes) -> float | None:
    """From the movie header (moov/mvhd): duration / timescale."""
    box = _mp4_box(data, 0, len(data), b"moov")
    if box is None:
        return None
    header = _mp4_box(data, box[0], box[1], b"mvhd")
    if header is None:
        return None
    start = header[0]
    version = data[start]
    if version == 1:
        timescale, duration = struct.unpack_from(">IQ", data, start + 20)
    else:
        timescale, duration = struct.unpack_from(">II", data, start + 12)
    return duration / timescale if timescale else None


def _mp4_box(data: bytes, start: int, end: int, name: bytes) -> tuple[int, int] | None:
    """The body (start, end) of the first box called ``name`` between start and end."""
    position = start
    while position + 8 <= end:
        size, kind = struct.unpack_from(">I4s", data, position)
        header = 8
        if size == 1:
            size = struct.unpack_from(">Q", data, position + 8)[0]
            header = 16
        elif size == 0:
            size = end - position
        if size < header:
            return None
        if kind == name:
            return position + header, min(position + size, end)
        position += size
    return None


def mpeg_ps_duration(data: bytes) -> float | None:
    """From the presentation timestamps of the audio packets (PES streams 0xC0-0xDF): the
    last minus the first, plus one packet's worth (the mean step between them)."""
    stamps = []
    position = data.find(b"\x00\x00\x01")
    while 0 <= position < len(data) - 14:
        if 0xC0 <= data[position + 3] <= 0xDF:
            at = _pts_offset(data, position + 6)
            if at is not None and at + 5 <= len(data):
                p = data[at : at + 5]
                stamps.append(((p[0] >> 1) & 0x07) << 30 | p[1] << 22 | (p[2] >> 1) << 15 | p[3] << 7 | p[4] >> 1)
        position = data.find(b"\x00\x00\x01", position + 4)
    if len(stamps) < 2:
        return None
    first, last = min(stamps), max(stamps)
    step = (last - first) / (len(stamps) - 1)
    return (last - first + step) / 90_000  # the timestamps count a 90 kHz clock


def _pts_offset(data: bytes, at: int) -> int | None:
    """Where a PES packet's timestamp is, given where its header fields start (after the
    length): MPEG-2 headers flag it; MPEG-1 ones come after stuffing and a buffer size."""
    if data[at] & 0xC0 == 0x80:  # MPEG-2
        return at + 3 if data[at + 1] & 0x80 else None
    while at < len(data) and data[at] == 0xFF:
        at += 1
    if at < len(data) and data[at] & 0xC0 == 0x40:
        at += 2
    return at if at < len(data) and data[at] & 0xE0 == 0x20 else None


# EBML ids of the WebM (Matroska) elements the duration is read from.
_SEGMENT, _INFO, _TIMECODE_SCALE, _DURATION = 0x18538067, 0x1549A966, 0x2AD7B1, 0x4489
_CLUSTER, _CLUSTER_TIME, _SIMPLE_BLOCK, _BLOCK_GROUP, _BLOCK = 0x1F43B675, 0xE7, 0xA3, 0xA0, 0xA1


def webm_duration(data: bytes) -> float | None:
    """Segment/Info/Duration; a browser's streamed recording has none, so then the last
    block's time in its cluster."""
    scale = 1_000_000
    duration: float | None = None
    last_ms = 0
    for element, start, end in _ebml_walk(data, 0, len(data)):
        if element == _TIMECODE_SCALE:
            scale = int.from_bytes(data[start:end], "big") or scale
        elif element == _DURATION:
            duration = struct.unpack(">f" if end - start == 4 else ">d", data[start:end])[0]
    if duration is not None:
        return duration * scale / 1e9
    cluster_time = 0
    for element, start, end in _ebml_walk(data, 0, len(data)):
        if element == _CLUSTER_TIME:
            cluster_time = int.from_bytes(data[start:end], "big")
        elif element in (_SIMPLE_BLOCK, _BLOCK):
            track_size = _vint_length(data[start])
            offset = struct.unpack_from(">h", data, start + track_size)[0]
            last_ms = max(last_ms, cluster_time + offset)
    return last_ms * scale / 1e9 if last_ms else None


def _ebml_walk(data: bytes, start: int, end: int) -> list[tuple[int, int, int]]:
    """Every element (id, body start, body end), descending into the containers that hold
    the ones read above."""
    found: list[tuple[int, int, int]] = []
    position = start
    while position < end:
        try:
            element, id_length = _vint(data, position, keep_marker=True)
            size, size_length = _vint(data, position + id_length, keep_marker=False)
        except IndexError:
            break
        body = position + id_length + size_length
        unknown = size == (1 << (7 * size_length)) - 1  # "unknown size", as streams write
        body_end = end if unknown else min(body + size, end)
        found.append((element, body, body_end))
        if element in (_SEGMENT, _INFO, _CLUSTER, _BLOCK_GROUP):
            found.extend(_ebml_walk(data, body, body_end))
            if unknown:
                break
        position = body_end
    return found


def _vint_length(first: int) -> int:
    for length in range(1, 9):
        if first & (0x80 >> (length - 1)):
            return length
    raise IndexError("bad EBML integer")


def _vint(data: bytes, position: int, *, keep_marker: bool) -> tuple[int, int]:
    length = _vint_length(data[position])
    value = int.from_bytes(data[position : position + length], "big")
    if not keep_marker:
        value &= (1 << (7 * length)) - 1
    return value, length
