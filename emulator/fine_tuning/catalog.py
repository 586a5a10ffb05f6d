"""What fine-tuning knows, from data/fine_tuning.yaml: the base models that train and by which
methods, the hyperparameters' ranges and what "auto" makes of them, and the job limits."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from ..models import ModelInfo, match_model
from ..yamlfiles import packaged

# A fine-tuned model's name: <base>-<version>.ft-<job hex>[-<suffix>], as Azure names them.
FINE_TUNED = re.compile(r"^(?P<base>.+?)\.ft-(?P<job>[0-9a-f]{32})(?:-(?P<suffix>[A-Za-z0-9_-]+))?\Z")


@dataclass(frozen=True)
class Trainable:
    name: str  # the catalog's base model name (gpt-4o-mini)
    version: str
    methods: tuple[str, ...]
    max_example_tokens: int
    model: ModelInfo

    @property
    def full_name(self) -> str:
        """The base model as a job names it: gpt-4o-mini-2024-07-18, gpt-35-turbo-0125."""
        return f"{self.name}-{self.version}"


@lru_cache(maxsize=1)
def data() -> dict[str, Any]:
    loaded: dict[str, Any] = packaged("fine_tuning.yaml")
    return loaded


def trainable(name: str) -> Trainable | None:
    """The base model ``name`` denotes if it trains: ``gpt-4o-mini`` (its newest trainable
    version) or ``gpt-4o-mini-2024-07-18``; a fine-tuned model trains further as its base."""
    fine_tuned = FINE_TUNED.match(name)
    if fine_tuned:
        name = fine_tuned.group("base")
    model = match_model(name)
    entry = data()["models"].get(model.name) if model is not None else None
    if model is None or entry is None:
        return None
    rest = name[len(model.name) :]
    versions = [str(v) for v in entry["versions"]]
    if rest and rest[1:] not in versions:  # after the separator, a version that trains
        return None
    rest = rest[1:]
    return Trainable(model.name, rest or versions[-1], tuple(entry["methods"]), int(entry["max_example_tokens"]), model)


def auto_hyperparameters(examples: int, given: dict[str, Any], method: str) -> dict[str, Any]:
    """The hyperparameters a job trains with: those given, and "auto" (or absent) ones chosen
    as the service chooses them from the number of examples."""
    auto = data()["auto"]
    chosen = dict(given)
    if chosen.get("n_epochs", "auto") == "auto":
        chosen["n_epochs"] = next(row["epochs"] for row in auto["epochs"] if examples <= row["up_to"])
    if chosen.get("batch_size", "auto") == "auto":
        chosen["batch_size"] = max(1, min(256, math.ceil(examples * auto["batch_fraction"])))
    if chosen.get("learning_rate_multiplier", "auto") == "auto":
        rows = auto["learning_rate_multiplier"]
        chosen["learning_rate_multiplier"] = next(r["value"] for r in rows if chosen["batch_size"] <= r["up_to"])
    if method == "dpo" and chosen.get("beta", "auto") == "auto":
        chosen["beta"] = auto["beta"]
    return chosen
