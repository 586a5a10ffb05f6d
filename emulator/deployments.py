"""Deployments: the configured ones, and those inferred from an unknown name."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .config_file import deployment_problem
from .contentfilter import Policy, custom_policy, load_policies
from .errors import DeploymentNotFound, OperationNotSupported
from .models import Family, ModelInfo, match_model
from .settings import DeploymentConfig, Settings
from .timing import TimingProfile, load_profiles

if TYPE_CHECKING:
    from .context import Operation

# Inferred deployments are remembered so a name costs one lookup; the cap keeps a client
# that invents names from growing the table without bound.
_MAX_INFERRED = 4096
# What a fine-tuned model's name adds to its base's: .ft-<job's hex id>, and maybe a suffix.
FINE_TUNED = re.compile(r"\.ft-[0-9a-f]{32}(?:-[A-Za-z0-9_-]+)?\Z")
FALLBACK_MODEL = "gpt-4o-mini"


@dataclass(frozen=True)
class Deployment:
    name: str
    model: ModelInfo
    family: Family
    version: str
    reply_tokens: int
    tpm: int
    rpm: int
    enforce_quota: bool
    timing: TimingProfile
    content_filter: Policy
    sku: str = "standard"
    fine_tuned: str | None = None  # a fine-tuned model's name (<base>-<version>.ft-<job>...)
    enforce_retry_after: bool = False  # an early retry gets another 429 (observers/retries.py)

    @property
    def batch(self) -> bool:
        """A deployment batch jobs may use (Azure: global-batch or data-zone-batch)."""
        return self.sku.endswith("-batch")

    @property
    def response_model(self) -> str:
        return self.fine_tuned or self.model.response_name(self.version)

    @property
    def seed_name(self) -> str:
        """What the content seed takes for the model: a fine-tuned model answers as its base
        does, in words of its own."""
        return self.fine_tuned or self.model.name


def _build(
    name: str,
    config: DeploymentConfig,
    enforce_everywhere: bool,
    profiles: dict[str, TimingProfile],
    policies: dict[str, Policy],
) -> Deployment:
    model = match_model(config.model)
    assert model is not None  # DeploymentConfig validated it
    quota = config.quota
    if quota.tpm is not None:
        tpm = quota.tpm
    elif quota.capacity is not None:
        tpm = quota.capacity * 1000  # Azure: 1 unit of capacity is 1,000 TPM
    else:
        tpm = model.quota_tpm
    rpm = quota.rpm if quota.rpm is not None else int(tpm / 1000 * model.rpm_per_1000_tpm)
    # A quota someone wrote down is meant to bite; the built-in ones only report, so a test
    # suite never trips over a limit it did not ask for.
    enforce = quota.enforce if quota.enforce is not None else (quota.given() or enforce_everywhere)
    fine_tuned = config.model if FINE_TUNED.search(config.model) else None
    base = FINE_TUNED.sub("", config.model)
    version = config.version or _version_in_name(base, model) or model.version
    return Deployment(
        name=name,
        model=model,
        family=config.family or model.family,
        version=version,
        reply_tokens=config.reply_tokens,
        tpm=tpm,
        rpm=max(rpm, 1),
        enforce_quota=enforce,
        timing=profiles[config.timing],
        content_filter=policies[config.content_filter],
        sku=config.sku,
        fine_tuned=fine_tuned,
        enforce_retry_after=config.enforce_retry_after,
    )


def _version_in_name(text: str, model: ModelInfo) -> str | None:
    """``gpt-4o-2024-05-13`` names gpt-4o at version 2024-05-13."""
    rest = text[len(model.name) + 1 :] if len(text) > len(model.name) else ""
    return rest if rest[:2] in ("19", "20") or rest.isdigit() else None


class DeploymentTable:
    def __init__(self, settings: Settings) -> None:
        self._infer = settings.infer_deployments
        self._enforce = settings.enforce_rate_limits
        self._profiles = {
            **load_profiles(),
            **{n: TimingProfile(name=n, **p.model_dump()) for n, p in settings.timing_profiles.items()},
        }
        unknown = {c.timing for c in settings.deployments.values()} - set(self._profiles)
        if unknown:
            raise ValueError(f"unknown timing profiles: {', '.join(sorted(unknown))}")
        builtin = load_policies()
        self._policies = {
            **builtin,
            **{
                n: custom_policy(n, builtin[c.base], c.model_dump(exclude={"base"}))
                for n, c in settings.content_filters.items()
            },
        }
        self._fixed = {
            name: _build(name, cfg, self._enforce, self._profiles, self._policies)
            for name, cfg in settings.deployments.items()
        }
        self._inferred: dict[str, Deployment] = {}

    def names(self) -> list[str]:
        return list(self._fixed)

    def put(self, name: str, config: DeploymentConfig) -> Deployment:
        """A deployment made or changed at run time (the admin API), as if configured."""
        problem = deployment_problem(config, self._profiles, self._policies)
        if problem is not None:
            raise ValueError(problem)
        deployment = _build(name, config, self._enforce, self._profiles, self._policies)
        self._fixed[name] = deployment
        self._inferred.pop(name, None)
        return deployment

    def remove(self, name: str) -> bool:
        self._inferred.pop(name, None)
        return self._fixed.pop(name, None) is not None

    def serving(self, name: str, operation: Operation) -> Deployment:
        """The deployment ``name`` for ``operation``, or Azure's refusal: no such deployment,
        or one whose model does not serve the operation."""
        deployment = self.resolve(name)
        if deployment is None:
            raise DeploymentNotFound()
        if deployment.family not in operation.families:
            raise OperationNotSupported(operation.display, deployment.model.name)
        return deployment

    def resolve(self, name: str) -> Deployment | None:
        found = self._fixed.get(name) or self._inferred.get(name)
        if found is not None or not self._infer or not name:
            return found
        # A name that denotes no model still gets a deployment: people name deployments
        # freely ("prod-chat"), and most of them are chat deployments.
        model_name = name if match_model(name) is not None else FALLBACK_MODEL
        # A name that says batch ("gpt-4o-batch") is a global-batch deployment.
        batch = "batch" in name.lower().replace("_", "-").split("-")
        config = DeploymentConfig(model=model_name, sku="global-batch" if batch else "standard")
        deployment = _build(name, config, self._enforce, self._profiles, self._policies)
        if len(self._inferred) < _MAX_INFERRED:
            self._inferred[name] = deployment
        return deployment
