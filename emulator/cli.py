"""The command line: ``aoai-emulator`` and ``python -m emulator``."""

from __future__ import annotations

import argparse
import os
import socket
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from . import __version__
from .settings import ConfigError, Settings

if TYPE_CHECKING:
    from .tls import TlsFiles

# flag -> environment variable; the README's configuration table lists the same.
ENV = {
    "host": "AOAI_EMULATOR_HOST",
    "port": "AOAI_EMULATOR_PORT",
    "config": "AOAI_EMULATOR_CONFIG",
    "seed": "AOAI_EMULATOR_SEED",
    "log_level": "AOAI_EMULATOR_LOG_LEVEL",
    "scenario": "AOAI_EMULATOR_SCENARIO",
    "log_format": "AOAI_EMULATOR_LOG_FORMAT",
    "log_bodies": "AOAI_EMULATOR_LOG_BODIES",
    "tls": "AOAI_EMULATOR_TLS",
    "tls_dir": "AOAI_EMULATOR_TLS_DIR",
    "tls_cert": "AOAI_EMULATOR_TLS_CERT",
    "tls_key": "AOAI_EMULATOR_TLS_KEY",
    "grace_period": "AOAI_EMULATOR_GRACE_PERIOD",
    "admin_key": "AOAI_EMULATOR_ADMIN_KEY",
}
DEFAULT_API_VERSION = "2024-10-21"


def parser() -> argparse.ArgumentParser:
    env = os.environ.get
    p = argparse.ArgumentParser(prog="aoai-emulator", description="A local emulator of the Azure OpenAI service.")
    p.add_argument("--host", default=env(ENV["host"], "127.0.0.1"), help="address to listen on")
    p.add_argument("--port", type=int, default=int(env(ENV["port"], "8000")), help="port (0 picks a free one)")
    p.add_argument("--config", type=Path, default=env(ENV["config"]), help="YAML configuration file")
    p.add_argument("--seed", type=int, default=int(env(ENV["seed"], "0")), help="seed for generated content")
    p.add_argument(
        "--scenario", default=env(ENV["scenario"]), help="fault scenario to run: a built-in name or a YAML file"
    )
    p.add_argument(
        "--log-level",
        default=env(ENV["log_level"], "warning"),
        choices=["critical", "error", "warning", "info", "debug"],
        help="log level; info and debug also log each request",
    )
    p.add_argument(
        "--log-format",
        default=env(ENV["log_format"], "text"),
        choices=["text", "json"],
        help="access-log lines (shown at --log-level info): text or one JSON object per line",
    )
    p.add_argument(
        "--log-bodies",
        action="store_true",
        default=env(ENV["log_bodies"], "") not in ("", "0", "false"),
        help="put the (trimmed) request body in each access-log line",
    )
    p.add_argument(
        "--tls",
        action="store_true",
        default=env(ENV["tls"], "") not in ("", "0", "false"),
        help="serve HTTPS, with a certificate from a local CA the emulator creates (or --tls-cert/--tls-key)",
    )
    p.add_argument(
        "--grace-period",
        type=float,
        default=float(env(ENV["grace_period"], "5")),
        metavar="SECONDS",
        help="on SIGTERM or SIGINT, how long requests in flight may take to finish",
    )
    p.add_argument(
        "--admin-key",
        default=env(ENV["admin_key"]),
        help="ask for this key (header x-emulator-admin-key) on /_emulator/, the dashboard included",
    )
    p.add_argument("--tls-dir", type=Path, default=env(ENV["tls_dir"]), help="where the local CA is kept")
    p.add_argument("--tls-cert", type=Path, default=env(ENV["tls_cert"]), help="your own certificate (PEM)")
    p.add_argument("--tls-key", type=Path, default=env(ENV["tls_key"]), help="its private key (PEM)")
    p.add_argument(
        "--record",
        nargs=2,
        metavar=("UPSTREAM_URL", "DIR"),
        help="forward every Azure request to UPSTREAM_URL and write each exchange to DIR",
    )
    p.add_argument("--replay", type=Path, metavar="DIR", help="answer from the exchanges recorded in DIR")
    p.add_argument("--replay-timing", action="store_true", help="replay streams at their recorded pace")
    p.add_argument(
        "--write-tiktoken-cache",
        type=Path,
        metavar="DIR",
        help="write the tokenizer vocabularies as tiktoken's cache to DIR and exit (then TIKTOKEN_CACHE_DIR=DIR)",
    )
    p.add_argument(
        "--routes", action="store_true", help="print the Azure routes served (METHOD /path -> operation) and exit"
    )
    p.add_argument("--version", action="version", version=f"aoai-emulator {__version__}")
    return p


def banner(endpoint: str, settings: Settings) -> str:
    key = sorted(settings.api_keys)[0] if settings.api_keys else "any-non-empty-key"
    deployment = _chat_deployment(settings)
    return f"""aoai-emulator {__version__} listening on {endpoint}

    from openai import AzureOpenAI
    client = AzureOpenAI(azure_endpoint="{endpoint}", api_key="{key}", api_version="{DEFAULT_API_VERSION}")
    client.chat.completions.create(model="{deployment}", messages=[{{"role": "user", "content": "Hello"}}])
"""


def _chat_deployment(settings: Settings) -> str:
    """A deployment the snippet can call: gpt-4o if it exists, else the first chat one."""
    from .deployments import DeploymentTable

    table = DeploymentTable(settings)
    if table.resolve("gpt-4o") is not None:
        return "gpt-4o"
    chat = [name for name in table.names() if (d := table.resolve(name)) is not None and d.family == "chat"]
    return chat[0] if chat else (table.names() or ["gpt-4o"])[0]


def _certificate(args: argparse.Namespace, host: str) -> TlsFiles | None:
    if args.tls_cert or args.tls_key:
        if not (args.tls_cert and args.tls_key):
            raise ValueError("--tls-cert and --tls-key go together")
        from .tls import TlsFiles

        return TlsFiles(args.tls_cert, args.tls_key, None)
    if not args.tls:
        return None
    from .tls import DEFAULT_DIR, local_certificate

    return local_certificate(args.tls_dir or DEFAULT_DIR, host)


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    from . import serving

    held = serving.hold_signals() if argv is None else None  # not when called from code (tests)
    if args.routes:
        from .operations import route_table

        print(route_table())
        return 0
    if args.write_tiktoken_cache:
        from .tokens import write_tiktoken_cache

        for path in write_tiktoken_cache(args.write_tiktoken_cache):
            print(path)
        print(f"export TIKTOKEN_CACHE_DIR={args.write_tiktoken_cache}")
        return 0
    try:
        settings = Settings.build(
            Path(args.config) if args.config else None,
            host=args.host,
            port=args.port,
            seed=args.seed,
            log_level=args.log_level,
            scenario=args.scenario,
            log_format=args.log_format,
            log_bodies=args.log_bodies,
            record_upstream=args.record[0] if args.record else None,
            record_dir=Path(args.record[1]) if args.record else None,
            replay_dir=args.replay,
            replay_timing=args.replay_timing,
            grace_period_s=args.grace_period,
            admin_key=args.admin_key or None,
        )
        if args.record and args.replay:
            raise ConfigError("--record and --replay cannot be used together")
        if args.replay and not args.replay.is_dir():
            raise ConfigError(f"--replay: {args.replay} is not a directory")
        from .faults.engine import FaultEngine, ScenarioError

        try:
            FaultEngine.from_settings(settings.scenario, settings.seed)
        except (ScenarioError, KeyError) as exc:
            raise ConfigError(str(exc)) from None
    except ConfigError as exc:
        print(f"aoai-emulator: {exc}", file=sys.stderr)
        return 2

    from .app import build_app
    from .recording import RecordingError

    # Bind first, so --port 0 can print the port it got before serving.
    family = socket.AF_INET6 if ":" in settings.host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((settings.host, settings.port))
        # Listening now lets clients connect (and wait in the backlog) from the moment the
        # banner is printed.
        sock.listen(2048)
    except OSError as exc:
        print(f"aoai-emulator: cannot listen on {settings.host}:{settings.port}: {exc.strerror}", file=sys.stderr)
        return 2
    port = sock.getsockname()[1]
    host = f"[{settings.host}]" if family == socket.AF_INET6 else settings.host
    try:
        certificate = _certificate(args, settings.host)
    except (OSError, ValueError) as exc:
        print(f"aoai-emulator: TLS: {exc}", file=sys.stderr)
        return 2
    scheme = "https" if certificate else "http"
    # A certificate names hosts, not the wildcard address: point clients at localhost then.
    shown = "localhost" if certificate and settings.host in ("0.0.0.0", "::") else host
    print(banner(f"{scheme}://{shown}:{port}", settings), flush=True)
    if certificate is not None and certificate.ca is not None:
        from .tls import trust_instructions

        print(trust_instructions(certificate.ca), flush=True)
    from .observers import accesslog

    # The emulator writes its own access lines (emulator/observers/accesslog.py), not uvicorn's.
    accesslog.configure(settings.log_level)
    try:
        app = build_app(settings)
    except RecordingError as exc:
        print(f"aoai-emulator: --replay: {exc}", file=sys.stderr)
        return 2
    config = serving.configure(
        app,
        settings.grace_period_s,
        log_level=settings.log_level,
        ssl_certfile=str(certificate.cert) if certificate else None,
        ssl_keyfile=str(certificate.key) if certificate else None,
    )
    try:
        serving.GracefulServer(config, settings.grace_period_s, held).run(sockets=[sock])
    finally:
        serving.close(app)
    return 0
