"""Scenarios: named, ordered rules that put faults on matching requests.

A scenario file (YAML) looks like this::

    name: retry-then-succeed
    description: The first two requests get a 429; the third goes through.
    rules:
      - name: throttle-twice
        match: {operation: chat_completions}
        when: {first: 2, per_header: x-test-id}
        actions:
          - action: error
            status: 429
            retry_after_ms: 200

``match`` picks requests (operation, deployment, api_version, headers, a regular expression
over the body); ``when`` counts them (the first N, every k-th, from the N-th on, for the
first S seconds, with a probability), per scenario or per value of a header; ``actions`` are
the faults (emulator/faults/actions.py). The first rule whose match and when both hold
applies. Rules are read in two passes, as Toxiproxy reads toxics: the envelope, then each
action's own parameters, so a mistake is reported with the rule and the field it is in.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ..yamlfiles import YamlFileError, read_user_file
from .actions import ACTIONS, Action


class ScenarioError(Exception):
    """A scenario that cannot be used; the message names the file, the rule and the problem."""


_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")


def _header_name(name: str) -> str:
    if not _TOKEN.fullmatch(name):
        raise ValueError(f"{name!r} is not a valid HTTP header name")
    return name.lower()


def compiles(pattern: str | None) -> str | None:
    """A validator's check that a regular expression compiles, naming the problem if not."""
    if pattern is not None:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ValueError(f"invalid regular expression: {exc}") from None
    return pattern


class Match(BaseModel):
    model_config = ConfigDict(extra="forbid")

    operation: str | list[str] | None = None
    deployment: str | list[str] | None = None
    api_version: str | list[str] | None = None
    headers: dict[str, str] = Field(default_factory=dict, description="header: value ('*': present at all)")
    body: str | None = Field(default=None, description="a regular expression searched in the raw body")

    @field_validator("headers")
    @classmethod
    def _names(cls, headers: dict[str, str]) -> dict[str, str]:
        return {_header_name(name): value for name, value in headers.items()}

    @field_validator("body")
    @classmethod
    def _compiles(cls, pattern: str | None) -> str | None:
        return compiles(pattern)


class When(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    first: int | None = Field(default=None, ge=1, description="the first N matching requests")
    every: int | None = Field(default=None, ge=1, description="every k-th matching request")
    from_: int | None = Field(default=None, ge=1, alias="from", description="from the N-th matching request on")
    for_seconds: float | None = Field(
        default=None, gt=0, description="while less time than this has passed since the first match"
    )
    probability: float | None = Field(default=None, ge=0, le=1)
    per_header: str | None = Field(default=None, description="keep a separate count for each value of this header")

    @field_validator("per_header")
    @classmethod
    def _name(cls, name: str | None) -> str | None:
        return _header_name(name) if name is not None else None


class Rule(BaseModel):
    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True)

    name: str
    match: Match = Field(default_factory=Match)
    when: When = Field(default_factory=When)
    actions: list[Action]


class Scenario(BaseModel):
    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True)

    name: str
    description: str = ""
    seed: int | None = None
    # Under this scenario a retry sooner than the retry-after it was given gets another 429,
    # so a client that ignores retry-after fails its test rather than pass by luck.
    enforce_retry_after: bool = False
    rules: list[Rule]


def definition(scenario: Scenario) -> dict[str, Any]:
    """A scenario in the form it is written in (its YAML data), defaults left out:
    ``parse_scenario`` reads it back to the same scenario."""
    found: dict[str, Any] = {"name": scenario.name, "description": scenario.description}
    if scenario.seed is not None:
        found["seed"] = scenario.seed
    if scenario.enforce_retry_after:
        found["enforce_retry_after"] = True
    found["rules"] = [rule_definition(rule) for rule in scenario.rules]
    return found


def rule_definition(rule: Rule) -> dict[str, Any]:
    written: dict[str, Any] = {"name": rule.name}
    match = rule.match.model_dump(exclude_defaults=True)
    when = rule.when.model_dump(exclude_defaults=True, by_alias=True)
    if match:
        written["match"] = match
    if when:
        written["when"] = when
    written["actions"] = [{"action": a.kind, **a.model_dump(exclude_defaults=True)} for a in rule.actions]
    return written


def parse_scenario(data: Any, source: str) -> Scenario:
    """A scenario from its YAML data; ``source`` names it in error messages."""
    if not isinstance(data, dict) or not isinstance(data.get("name"), str) or not data["name"]:
        raise ScenarioError(f"{source}: a scenario is a mapping with a name, a description and rules")
    raw_rules = data.get("rules")
    if not isinstance(raw_rules, list) or not raw_rules:
        raise ScenarioError(f"{source}: rules: a scenario needs a list of at least one rule")
    rules = [_parse_rule(raw, index, source) for index, raw in enumerate(raw_rules)]
    envelope = {k: v for k, v in data.items() if k != "rules"}
    try:
        return Scenario(**envelope, rules=rules)
    except ValidationError as exc:
        raise ScenarioError(f"{source}: {_first_problem(exc)}") from None


def _parse_rule(raw: Any, index: int, source: str) -> Rule:
    where = f"{source}: rules[{index}]"
    if not isinstance(raw, dict):
        raise ScenarioError(f"{where}: a rule is a mapping with match, when and actions")
    name = raw.get("name") or f"rule_{index}"
    where = f"{source}: rule '{name}' (rules[{index}])"
    raw_actions = raw.get("actions")
    if not isinstance(raw_actions, list) or not raw_actions:
        raise ScenarioError(f"{where}: actions: a rule needs a list of at least one action")
    actions = [_parse_action(item, f"{where}: actions[{i}]") for i, item in enumerate(raw_actions)]
    try:
        fields = {k: v for k, v in raw.items() if k != "actions"}
        return Rule.model_validate({**fields, "name": name, "actions": actions})
    except ValidationError as exc:
        raise ScenarioError(f"{where}: {_first_problem(exc)}") from None


def _parse_action(raw: Any, where: str) -> Action:
    if not isinstance(raw, dict) or not isinstance(raw.get("action"), str):
        raise ScenarioError(f"{where}: an action is a mapping with 'action: <name>' and its parameters")
    kind = raw["action"]
    cls = ACTIONS.get(kind)
    if cls is None:
        raise ScenarioError(f"{where}: unknown action {kind!r}; the actions are {', '.join(sorted(ACTIONS))}")
    try:
        return cls(**{k: v for k, v in raw.items() if k != "action"})
    except ValidationError as exc:
        raise ScenarioError(f"{where} ({kind}): {_first_problem(exc)}") from None


def _first_problem(exc: ValidationError) -> str:
    error = exc.errors(include_url=False)[0]
    field = ".".join(str(p) for p in error["loc"])
    message = error["msg"].removeprefix("Value error, ")
    return f"{field}: {message}" if field else message


def load_scenario_file(path: Path) -> Scenario:
    try:
        data, _ = read_user_file(path)
    except YamlFileError as exc:
        raise ScenarioError(str(exc)) from None
    return parse_scenario(data, str(path))
