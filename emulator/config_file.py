"""The YAML configuration file: its shape as pydantic models, checked when the file is
loaded, and the loader. A bad file stops start-up with a ``ConfigError`` that names the file,
the line and the key. settings.py merges what the file says with the defaults and the command
line.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .models import FAMILIES, Family, match_model
from .replies import ReplyRule
from .yamlfiles import YamlFileError, read_user_file


class ConfigError(Exception):
    """A configuration file that cannot be used; the message says where and why."""


class QuotaConfig(BaseModel):
    """A deployment's quota. Giving any number here also turns enforcement on for it."""

    model_config = ConfigDict(extra="forbid")

    capacity: int | None = Field(default=None, ge=0, description="units of 1,000 tokens per minute")
    tpm: int | None = Field(default=None, ge=0, description="tokens per minute (overrides capacity)")
    rpm: int | None = Field(default=None, ge=0, description="requests per minute (default: the model's ratio)")
    enforce: bool | None = Field(default=None, description="refuse requests beyond the quota with 429")

    def given(self) -> bool:
        return any(v is not None for v in (self.capacity, self.tpm, self.rpm))


class DeploymentConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    model: str
    version: str | None = None
    family: Family | None = None
    reply_tokens: int = Field(default=48, ge=1, le=8192, description="length of a default reply")
    quota: QuotaConfig = QuotaConfig()
    timing: str = Field(default="instant", description="a timing profile: built-in or under timing_profiles")
    content_filter: str = Field(default="default", description="a content-filter policy (data/content_filters.yaml)")
    sku: Literal["standard", "global-standard", "data-zone-standard", "global-batch", "data-zone-batch"] = Field(
        default="standard", description="the deployment type; batch jobs need a *-batch one"
    )
    enforce_retry_after: bool = Field(
        default=False, description="a retry sooner than the retry-after it was given gets another 429"
    )

    @model_validator(mode="after")
    def _family_fits(self) -> DeploymentConfig:
        model = match_model(self.model)
        if (
            model is not None
            and self.family is not None
            and (self.family == "embeddings") != (model.family == "embeddings")
        ):
            # Embeddings need a model with vectors (text-embedding-*), and vectors are all
            # an embeddings model has.
            raise ValueError(f"family {self.family!r} does not fit model {self.model!r}, a {model.family} model")
        return self

    @field_validator("model")
    @classmethod
    def _known_model(cls, value: str) -> str:
        if match_model(value) is None:
            raise ValueError(f"unknown model {value!r}; see emulator/data/models.yaml for the known ones")
        return value


class TimingConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ttft_ms: float = Field(default=0, ge=0, le=600_000)
    tokens_per_s: float = Field(default=0, ge=0, le=100_000)
    jitter: float = Field(default=0, ge=0, lt=1)
    fixed_ms: float = Field(default=0, ge=0, le=600_000)
    capacity: int = Field(default=0, ge=0, le=1_000_000, description="requests answered at full speed at once")
    queue: int | None = Field(default=None, ge=0, le=1_000_000, description="requests held beyond capacity")
    overload_status: Literal[429, 503] = 429
    overload_retry_after_ms: int = Field(default=1000, ge=0, le=600_000)


class ContentFilterConfig(BaseModel):
    """A content-filter policy of your own: a built-in one (``base``) with changes."""

    model_config = ConfigDict(extra="forbid")

    base: str = "default"
    prompt: dict[str, Literal["low", "medium", "high", "never"]] = Field(default_factory=dict)
    completion: dict[str, Literal["low", "medium", "high", "never"]] = Field(default_factory=dict)
    jailbreak: bool | None = None
    indirect_attack: bool | None = None
    protected_material: bool | None = None
    profanity: bool | None = None
    annotate_only: bool | None = None
    asynchronous: bool | None = None
    buffer_tokens: int | None = Field(default=None, ge=1, le=1000)
    terms: dict[
        Literal["hate", "sexual", "violence", "self_harm"], dict[Literal["low", "medium", "high"], list[str]]
    ] = Field(default_factory=dict)
    blocklists: dict[str, list[str]] = Field(default_factory=dict)


class ImagesConfig(BaseModel):
    """Generated images answered by link (``response_format: url``)."""

    model_config = ConfigDict(extra="forbid")

    url_lifetime_s: float = Field(default=86_400, gt=0, description="how long a link works (Azure: 24 hours)")
    store_max_images: int = Field(default=200, ge=1, description="images kept for their links; oldest dropped")
    store_max_bytes: int = Field(default=256 * 1024 * 1024, ge=1024, description="bytes kept, likewise")


class FilesConfig(BaseModel):
    """Uploaded files and the files batch jobs write."""

    model_config = ConfigDict(extra="forbid")

    dir: Path | None = Field(default=None, description="where files are kept (default: a temporary folder)")
    max_files: int = Field(default=1000, ge=1)
    max_bytes: int = Field(default=2 * 1024 * 1024 * 1024, ge=1024)
    max_upload_bytes: int = Field(default=512 * 1024 * 1024, ge=1024, description="Azure: 512 MB a file")


class BatchesConfig(BaseModel):
    """How batch jobs move: each state (validating, finalizing) lasts this long."""

    model_config = ConfigDict(extra="forbid")

    step_s: float = Field(default=1.0, ge=0, le=3600)


class FineTuningConfig(BaseModel):
    """How fine-tuning jobs move: each step of the clock (waiting, checking the files, each
    epoch) lasts this long."""

    model_config = ConfigDict(extra="forbid")

    step_s: float = Field(default=1.0, ge=0, le=3600)


class ResponsesConfig(BaseModel):
    """How background responses move: queued for one step, then in progress for another (or
    the time the deployment's timing profile takes to write the answer, if longer)."""

    model_config = ConfigDict(extra="forbid")

    background_step_s: float = Field(default=1.0, ge=0, le=3600)


class VectorStoresConfig(BaseModel):
    """How long a file added to a vector store stays in progress before it is searchable."""

    model_config = ConfigDict(extra="forbid")

    step_s: float = Field(default=0.5, ge=0, le=3600)


class FileConfig(BaseModel):
    """The YAML file's top level."""

    model_config = ConfigDict(extra="forbid")

    region: str = "East US"
    auth: Literal["key", "none"] = "key"
    api_keys: list[str] = Field(default_factory=list)
    admin_key: str | None = Field(default=None, min_length=1)
    infer_deployments: bool | None = None
    deployments: dict[str, DeploymentConfig] | None = None
    max_body_bytes: int = Field(default=26_214_400, ge=1024)
    enforce_rate_limits: bool = False
    journal_size: int = Field(default=1000, ge=0, le=1_000_000)
    timing_profiles: dict[str, TimingConfig] = Field(default_factory=dict)
    replies: list[ReplyRule] = Field(default_factory=list)
    content_filters: dict[str, ContentFilterConfig] = Field(default_factory=dict)
    images: ImagesConfig = ImagesConfig()
    files: FilesConfig = FilesConfig()
    batches: BatchesConfig = BatchesConfig()
    fine_tuning: FineTuningConfig = FineTuningConfig()
    responses: ResponsesConfig = ResponsesConfig()
    vector_stores: VectorStoresConfig = VectorStoresConfig()

    @model_validator(mode="after")
    def _known_timing(self) -> FileConfig:
        from .contentfilter import load_policies
        from .timing import load_profiles

        known = set(load_profiles()) | set(self.timing_profiles)
        policies = set(load_policies()) | set(self.content_filters)
        for name, custom in self.content_filters.items():
            if custom.base not in load_policies():
                raise ValueError(f"content_filters.{name}.base: unknown content-filter policy {custom.base!r}")
        for name, deployment in (self.deployments or {}).items():
            problem = deployment_problem(deployment, known, policies)
            if problem is not None:
                raise ValueError(f"deployments.{name}.{problem}")
        return self

    @field_validator("api_keys")
    @classmethod
    def _non_empty_keys(cls, keys: list[str]) -> list[str]:
        if any(not key for key in keys):
            raise ValueError("api keys must be non-empty strings")
        return keys


def deployment_problem(deployment: DeploymentConfig, profiles: Iterable[str], policies: Iterable[str]) -> str | None:
    """What names a deployment uses that do not exist (``field: problem``), or None: the
    file and the admin API (a deployment made at run time) say it alike."""
    policies, profiles = set(policies), set(profiles)
    if deployment.content_filter not in policies:
        return (
            f"content_filter: unknown content-filter policy {deployment.content_filter!r}; "
            f"the policies are {', '.join(sorted(policies))}"
        )
    if deployment.timing not in profiles:
        return f"timing: unknown timing profile {deployment.timing!r}; the profiles are {', '.join(sorted(profiles))}"
    return None


def load_config_file(path: Path) -> FileConfig:
    try:
        data, root = read_user_file(path)
    except YamlFileError as exc:
        raise ConfigError(str(exc)) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: line 1: the top level must be a mapping of settings")
    try:
        return FileConfig.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = [str(part) for part in first["loc"]]
        if not loc and first["msg"].startswith("Value error, deployments."):
            # A check across keys names its key in the message: point at that key's line.
            loc = first["msg"].removeprefix("Value error, ").split(":")[0].split(".")
            line = _line_of(root, loc)
            raise ConfigError(f"{path}: line {line}: {first['msg'].removeprefix('Value error, ')}") from None
        line = _line_of(root, loc)
        key = ".".join(loc) or "(top level)"
        allowed = ""
        if first["type"] == "extra_forbidden":
            allowed = " (unknown key)"
        elif first["type"] == "literal_error" and loc and loc[-1] == "family":
            allowed = f" (one of {', '.join(FAMILIES)})"
        message = first["msg"].removeprefix("Value error, ")
        raise ConfigError(f"{path}: line {line}: {key}: {message}{allowed}") from None


def _line_of(node: yaml.Node | None, loc: list[str]) -> int:
    """The 1-based line of the deepest YAML node on ``loc`` that exists."""
    line = node.start_mark.line + 1 if node is not None else 1
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            match = next((kv for kv in node.value if str(kv[0].value) == part), None)
            if match is None:
                break
            line = match[0].start_mark.line + 1
            node = match[1]
        elif isinstance(node, yaml.SequenceNode) and part.isdigit() and int(part) < len(node.value):
            node = node.value[int(part)]
            line = node.start_mark.line + 1
        else:
            break
    return line
