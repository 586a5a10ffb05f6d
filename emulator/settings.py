"""Settings: everything the app runs with, resolved from the YAML configuration file
(config_file.py), its built-in defaults and the command line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .config_file import (
    BatchesConfig,
    ConfigError,
    ContentFilterConfig,
    DeploymentConfig,
    FileConfig,
    FilesConfig,
    FineTuningConfig,
    ImagesConfig,
    QuotaConfig,
    ResponsesConfig,
    TimingConfig,
    VectorStoresConfig,
    load_config_file,
)
from .replies import ReplyRule

# The file's models and loader were first defined here, and code and tests import them from
# here: they stay importable from settings.
__all__ = [
    "DEFAULT_DEPLOYMENTS",
    "BatchesConfig",
    "ConfigError",
    "ContentFilterConfig",
    "DeploymentConfig",
    "FileConfig",
    "FilesConfig",
    "ImagesConfig",
    "QuotaConfig",
    "Settings",
    "TimingConfig",
    "load_config_file",
]

# The deployments a fresh emulator serves, each named after the model it runs.
DEFAULT_DEPLOYMENTS = (
    "gpt-4o",
    "gpt-4o-mini",
    "gpt-4.1",
    "gpt-35-turbo",
    "gpt-35-turbo-instruct",
    "text-embedding-3-small",
    "text-embedding-3-large",
    "text-embedding-ada-002",
    "dall-e-3",
    "gpt-image-1",
    "tts",
    "tts-hd",
    "whisper",
    "gpt-realtime",
    "gpt-4o-realtime-preview",
    "gpt-4o-mini-realtime-preview",
)


@dataclass
class Settings:
    """Everything the app needs, resolved: file, defaults and command line together."""

    host: str = "127.0.0.1"
    port: int = 8000
    seed: int = 0
    log_level: str = "warning"
    config_path: Path | None = None
    region: str = "East US"
    auth: str = "key"
    api_keys: frozenset[str] = frozenset()
    admin_key: str | None = None  # when set, /_emulator/ (but health) asks for it
    infer_deployments: bool = True
    deployments: dict[str, DeploymentConfig] = field(default_factory=dict)
    max_body_bytes: int = 26_214_400
    enforce_rate_limits: bool = False
    journal_size: int = 1000
    timing_profiles: dict[str, TimingConfig] = field(default_factory=dict)
    replies: list[ReplyRule] = field(default_factory=list)
    content_filters: dict[str, ContentFilterConfig] = field(default_factory=dict)
    images: ImagesConfig = field(default_factory=ImagesConfig)
    files: FilesConfig = field(default_factory=FilesConfig)
    batches: BatchesConfig = field(default_factory=BatchesConfig)
    fine_tuning: FineTuningConfig = field(default_factory=FineTuningConfig)
    responses: ResponsesConfig = field(default_factory=ResponsesConfig)
    vector_stores: VectorStoresConfig = field(default_factory=VectorStoresConfig)
    scenario: str | None = None  # a built-in scenario's name or a scenario file, active from the start
    log_format: str = "text"  # access-log lines: text or json
    log_bodies: bool = False  # access-log lines carry the (trimmed) request body
    record_upstream: str | None = None  # --record: forward here and write down the exchanges
    record_dir: Path | None = None
    replay_dir: Path | None = None  # --replay: answer from the exchanges written here
    replay_timing: bool = False  # replay streams at their recorded pace
    grace_period_s: float = 5.0  # on a stop, how long requests in flight may take to finish

    @classmethod
    def build(cls, config_path: Path | None = None, **overrides: Any) -> Settings:
        file = load_config_file(config_path) if config_path else FileConfig()
        if file.deployments is None:
            deployments = {name: DeploymentConfig(model=name) for name in DEFAULT_DEPLOYMENTS}
            infer = True if file.infer_deployments is None else file.infer_deployments
        else:
            deployments = dict(file.deployments)
            infer = bool(file.infer_deployments)
        values: dict[str, Any] = dict(
            config_path=config_path,
            region=file.region,
            auth=file.auth,
            api_keys=frozenset(file.api_keys),
            admin_key=file.admin_key,
            infer_deployments=infer,
            deployments=deployments,
            max_body_bytes=file.max_body_bytes,
            enforce_rate_limits=file.enforce_rate_limits,
            journal_size=file.journal_size,
            timing_profiles=dict(file.timing_profiles),
            replies=list(file.replies),
            content_filters=dict(file.content_filters),
            images=file.images,
            files=file.files,
            batches=file.batches,
            fine_tuning=file.fine_tuning,
            responses=file.responses,
            vector_stores=file.vector_stores,
        )
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)
