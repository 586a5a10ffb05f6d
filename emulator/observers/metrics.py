"""Prometheus metrics under /_emulator/metrics, in the text exposition format.

Counted per Azure request, from its ``Result``: requests by operation, deployment and status;
how requests ended, by operation and outcome; tokens charged to quotas; throttled requests
(429); fault actions applied; and a histogram per operation of the time to the last byte.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Mapping

from .result import Result

# Seconds: from a memoised answer (well under a millisecond) to a paced, slow one.
BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"  # Prometheus text exposition

Labels = tuple[tuple[str, str], ...]


class Metrics:
    """Counters keyed by plain value tuples; label names are attached only when rendered.
    Observed from the event loop alone (the pipeline's last step), so no lock is needed for
    the counts; rendering copies them first."""

    def __init__(self) -> None:
        self._requests: dict[tuple[str, str, int], int] = defaultdict(int)
        self._tokens: dict[str, int] = defaultdict(int)
        self._throttled: dict[tuple[str, str], int] = defaultdict(int)
        self._faults: dict[tuple[str, str], int] = defaultdict(int)
        self._outcomes: dict[tuple[str, str], int] = defaultdict(int)
        self._latency: dict[str, list[int]] = {}
        self._latency_sum: dict[str, float] = defaultdict(float)

    def observe(self, result: Result) -> None:
        operation, deployment, status = result.operation, result.deployment or "", result.status
        seconds = result.last_byte_s
        self._requests[(operation, deployment, status)] += 1
        self._outcomes[(operation, result.outcome)] += 1
        if result.tokens_charged:
            self._tokens[deployment] += result.tokens_charged
        if status == 429:
            self._throttled[(operation, deployment)] += 1
        for action in result.faults:
            self._faults[(result.fault_rule or "", action)] += 1
        counts = self._latency.get(operation)
        if counts is None:
            counts = self._latency[operation] = [0] * (len(BUCKETS) + 1)
        counts[bisect.bisect_left(BUCKETS, seconds)] += 1
        self._latency_sum[operation] += seconds

    def render(self) -> str:
        requests: dict[Labels, int] = {
            (("operation", o), ("deployment", d), ("status", str(s))): n
            for (o, d, s), n in list(self._requests.items())
        }
        tokens: dict[Labels, int] = {(("deployment", d),): n for d, n in list(self._tokens.items())}
        throttled: dict[Labels, int] = {
            (("operation", o), ("deployment", d)): n for (o, d), n in list(self._throttled.items())
        }
        faults: dict[Labels, int] = {(("rule", r), ("action", a)): n for (r, a), n in list(self._faults.items())}
        outcomes: dict[Labels, int] = {
            (("operation", o), ("outcome", e)): n for (o, e), n in list(self._outcomes.items())
        }
        lines: list[str] = []
        _family(lines, "aoai_emulator_requests_total", "counter", "Azure requests answered", requests)
        _family(lines, "aoai_emulator_outcomes_total", "counter", "how Azure requests ended", outcomes)
        _family(lines, "aoai_emulator_tokens_charged_total", "counter", "tokens charged to quotas", tokens)
        _family(lines, "aoai_emulator_throttled_total", "counter", "requests answered 429", throttled)
        _family(lines, "aoai_emulator_faults_applied_total", "counter", "fault actions applied", faults)
        name = "aoai_emulator_request_duration_seconds"
        lines.append(f"# HELP {name} time until the last byte of the answer")
        lines.append(f"# TYPE {name} histogram")
        for operation, counts in sorted(list(self._latency.items())):
            labels: Labels = (("operation", operation),)
            running = 0
            for bound, count in zip((*BUCKETS, float("inf")), list(counts)):
                running += count
                le = "+Inf" if bound == float("inf") else repr(bound)
                lines.append(f"{name}_bucket{_labels((*labels, ('le', le)))} {running}")
            lines.append(f"{name}_sum{_labels(labels)} {self._latency_sum[operation]:.6f}")
            lines.append(f"{name}_count{_labels(labels)} {running}")
        return "\n".join(lines) + "\n"


def _family(lines: list[str], name: str, kind: str, help_text: str, values: Mapping[Labels, int]) -> None:
    lines.append(f"# HELP {name} {help_text}")
    lines.append(f"# TYPE {name} {kind}")
    for labels, value in sorted(values.items()):
        lines.append(f"{name}{_labels(labels)} {value}")


def _labels(labels: Labels) -> str:
    if not labels:
        return ""
    inner = ",".join(f'{key}="{_escape(value)}"' for key, value in labels)
    return "{" + inner + "}"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')
