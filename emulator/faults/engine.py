"""The fault engine: which scenario applies to a request, and what it does to it.

The active scenario is set at start (``--scenario``) or through the admin API; a request may
name another with the ``x-emulator-scenario`` header. Counters live here, per scenario, rule
and (optionally) header value, and are reset through the admin API. Everything runs on the
event loop's thread, so a request reads and bumps its counters in one step, and parallel
requests each see their own count.
"""

from __future__ import annotations

import random
import re
import time
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import InvalidRequest
from .actions import Action, Before, FilterError, InStream
from .scenario import Rule, Scenario, ScenarioError, load_scenario_file, parse_scenario, rule_definition
from .stream_actions import Malformed

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable

SCENARIO_HEADER = "x-emulator-scenario"
_MAX_COUNTERS = 100_000


@dataclass
class FaultPlan:
    """What one request gets: actions before the answer, and actions inside a stream."""

    before: list[Before] = field(default_factory=list)
    in_stream: list[Action] = field(default_factory=list)
    malformed: Malformed | None = None
    filter_error: FilterError | None = None
    in_session: list[Action] = field(default_factory=list)  # realtime sessions (session_actions.py)
    rule: str | None = None
    rng: random.Random = field(default_factory=random.Random)

    def actions(self) -> list[Action]:
        extra = [a for a in (self.malformed, self.filter_error) if a is not None]
        return [*self.before, *self.in_stream, *extra, *self.in_session]


@dataclass
class _Count:
    seen: int = 0
    first_at: float = 0.0
    applied: int = 0


def _scenario_folder() -> Traversable:
    try:
        # Installed: the top-level scenarios/ folder ships inside the package (pyproject.toml).
        return resources.files("emulator.scenarios")
    except ModuleNotFoundError:
        # Run from a checkout without installing.
        return Path(__file__).resolve().parents[2] / "scenarios"


def builtin_scenarios() -> dict[str, Scenario]:
    """The ready-made scenarios: the repository's scenarios/ folder."""
    found: dict[str, Scenario] = {}
    for item in _scenario_folder().iterdir():
        if item.name.endswith(".yaml"):
            scenario = load_scenario_file(Path(str(item)))
            found[scenario.name] = scenario
    return found


class FaultEngine:
    def __init__(
        self, scenarios: dict[str, Scenario], active: str | None, seed: int, builtin: frozenset[str] = frozenset()
    ) -> None:
        self.scenarios = dict(scenarios)
        self.builtin = builtin
        self.active = active
        self._seed = seed
        self._counts: dict[tuple[str, int, str], _Count] = {}
        self._rngs: dict[str, random.Random] = {}

    @classmethod
    def from_settings(cls, scenario: str | None, seed: int) -> FaultEngine:
        """The built-in scenarios, plus a file named by ``scenario`` (which becomes active)."""
        scenarios = builtin_scenarios()
        builtin = frozenset(scenarios)
        active = None
        if scenario:
            if scenario in scenarios:
                active = scenario
            elif not Path(scenario).exists() and "/" not in scenario and not scenario.endswith((".yaml", ".yml")):
                raise ScenarioError(
                    f"no built-in scenario named {scenario!r} (the built-ins are {', '.join(sorted(scenarios))}), "
                    "and no file of that name"
                )
            else:
                loaded = load_scenario_file(Path(scenario))
                scenarios[loaded.name] = loaded
                active = loaded.name
        return cls(scenarios, active, seed, builtin)

    # -- admin -----------------------------------------------------------------------------

    def activate(self, name: Any) -> None:
        if name is not None and (not isinstance(name, str) or name not in self.scenarios):
            raise KeyError(name)
        self.active = name

    def add(self, data: Any, source: str) -> Scenario:
        """Add or replace a scenario (not a built-in one); a replaced one starts counting anew."""
        scenario = parse_scenario(data, source)
        if scenario.name in self.builtin:
            raise ScenarioError(f"{source}: {scenario.name!r} is a built-in scenario; choose another name")
        self.scenarios[scenario.name] = scenario
        self.reset(scenario.name)
        return scenario

    def reset(self, name: str | None = None) -> None:
        """Forget the counters (of one scenario, or all)."""
        if name is None:
            self._counts.clear()
            self._rngs.clear()
        else:
            self._counts = {k: v for k, v in self._counts.items() if k[0] != name}
            self._rngs.pop(name, None)

    def describe(self, name: str) -> dict[str, Any]:
        scenario = self.scenarios[name]
        rules = []
        for index, rule in enumerate(scenario.rules):
            counts = [c for k, c in self._counts.items() if k[0] == name and k[1] == index]
            written = rule_definition(rule)
            rules.append(
                {
                    "name": rule.name,
                    "match": written.get("match", {}),
                    "when": written.get("when", {}),
                    "actions": written["actions"],
                    "matched": sum(c.seen for c in counts),
                    "applied": sum(c.applied for c in counts),
                }
            )
        return {
            "name": name,
            "description": scenario.description,
            "active": name == self.active,
            "builtin": name in self.builtin,
            "rules": rules,
        }

    # -- per request -----------------------------------------------------------------------

    def enforces_retry_after(self, headers: Any) -> bool:
        """Whether the scenario this request runs under refuses early retries."""
        name = headers.get(SCENARIO_HEADER) or self.active
        scenario = self.scenarios.get(name) if name else None
        return scenario is not None and scenario.enforce_retry_after

    def plan(
        self,
        headers: Any,
        operation: str,
        deployment: str,
        api_version: str,
        body: bytes,
        streaming: bool,
        now: float | None = None,
        session: bool = False,
    ) -> FaultPlan | None:
        """The faults for one request, or None when no scenario applies. A rule whose actions
        all act inside streams does not see plain requests, and one whose actions all act
        inside realtime sessions sees nothing else (it neither counts nor fires)."""
        name = headers.get(SCENARIO_HEADER) or self.active
        if not name:
            return None
        scenario = self.scenarios.get(name)
        if scenario is None:
            raise InvalidRequest(
                f"Unknown scenario {name!r} in the {SCENARIO_HEADER} header; the scenarios are "
                f"{', '.join(sorted(self.scenarios))}.",
                param=None,
                code="unknown_scenario",
            )
        now = time.monotonic() if now is None else now
        rng = self._rng(scenario)
        for index, rule in enumerate(scenario.rules):
            if not streaming and all(a.streams_only for a in rule.actions):
                continue
            if not session and all(a.sessions_only for a in rule.actions):
                continue
            if not _matches(rule, headers, operation, deployment, api_version, body):
                continue
            key = (scenario.name, index, headers.get(rule.when.per_header, "") if rule.when.per_header else "")
            count = self._counts.get(key)
            if count is None:
                if len(self._counts) >= _MAX_COUNTERS:
                    # Header values come and go (a test id per test): forget the oldest.
                    for stale in list(self._counts)[: _MAX_COUNTERS // 10]:
                        del self._counts[stale]
                count = self._counts[key] = _Count(first_at=now)
            count.seen += 1
            if not _fires(rule, count, now, rng):
                continue
            count.applied += 1
            return _plan_for(rule, rng, streaming, session)
        return None

    def _rng(self, scenario: Scenario) -> random.Random:
        # One seeded generator per scenario: probabilities and jitter repeat run after run.
        rng = self._rngs.get(scenario.name)
        if rng is None:
            seed = scenario.seed if scenario.seed is not None else self._seed
            rng = self._rngs[scenario.name] = random.Random(f"{scenario.name}:{seed}")
        return rng


def _one_of(value: str, wanted: str | list[str] | None) -> bool:
    return wanted is None or value in ([wanted] if isinstance(wanted, str) else wanted)


def _matches(rule: Rule, headers: Any, operation: str, deployment: str, api_version: str, body: bytes) -> bool:
    match = rule.match
    if not (_one_of(operation, match.operation) and _one_of(deployment, match.deployment)):
        return False
    if not _one_of(api_version, match.api_version):
        return False
    for name, wanted in match.headers.items():
        value = headers.get(name)
        if value is None or (wanted != "*" and value != wanted):
            return False
    if match.body is not None and not re.search(match.body, body.decode("utf-8", errors="replace")):
        return False
    return True


def _fires(rule: Rule, count: _Count, now: float, rng: random.Random) -> bool:
    when = rule.when
    n = count.seen
    if when.first is not None and n > when.first:
        return False
    if when.every is not None and n % when.every != 0:
        return False
    if when.from_ is not None and n < when.from_:
        return False
    if when.for_seconds is not None and now - count.first_at >= when.for_seconds:
        return False
    if when.probability is not None and rng.random() >= when.probability:
        return False
    return True


def _plan_for(rule: Rule, rng: random.Random, streaming: bool, session: bool) -> FaultPlan:
    plan = FaultPlan(rule=rule.name, rng=rng)
    for item in rule.actions:
        if (item.streams_only and not streaming) or (item.sessions_only and not session):
            continue  # nothing to act on: it is not recorded as applied either
        if item.sessions_only:
            plan.in_session.append(item)
            continue
        if isinstance(item, Malformed):
            plan.malformed = item
        elif isinstance(item, FilterError):
            plan.filter_error = item
        elif isinstance(item, InStream):
            plan.in_stream.append(item)
        elif isinstance(item, Before):
            plan.before.append(item)
    return plan


__all__ = ["FaultEngine", "FaultPlan", "ScenarioError", "SCENARIO_HEADER", "builtin_scenarios"]
