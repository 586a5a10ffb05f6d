# aoai-emulator in a small image: docker build -t aoai-emulator . && docker run -p 8000:8000 aoai-emulator
FROM python:3.11-slim

# Extras to install with the package, e.g. --build-arg EXTRAS=aac for AAC speech.
ARG EXTRAS=""

WORKDIR /app
COPY pyproject.toml README.md ./
COPY emulator ./emulator
COPY scenarios ./scenarios
RUN pip install --no-cache-dir ".${EXTRAS:+[$EXTRAS]}" \
    && useradd --create-home --uid 10001 emulator \
    && mkdir -p /config /scenarios \
    && chown emulator /config /scenarios

USER emulator
# Listen on every interface inside the container; mount a configuration at /config and
# scenario files at /scenarios (AOAI_EMULATOR_CONFIG=/config/emulator.yaml,
# AOAI_EMULATOR_SCENARIO=/scenarios/<file>.yaml).
ENV AOAI_EMULATOR_HOST=0.0.0.0 \
    AOAI_EMULATOR_PORT=8000 \
    PYTHONUNBUFFERED=1
EXPOSE 8000
VOLUME ["/config", "/scenarios"]

HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
    CMD ["python", "-c", "import json, os, urllib.request; port = os.environ.get('AOAI_EMULATOR_PORT', '8000'); body = urllib.request.urlopen(f'http://127.0.0.1:{port}/_emulator/health', timeout=2).read(); raise SystemExit(0 if json.loads(body)['status'] == 'ok' else 1)"]

ENTRYPOINT ["aoai-emulator"]
