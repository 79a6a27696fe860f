# AUTOCREA itself. The image runs the web server by default; docker-compose.yml runs the same image as
# `autocrea worker` and `autocrea db upgrade` too. docs/deployment.md: settings, and what bubblewrap
# (the sandbox for generated code) needs from the container runtime.
FROM python:3.11-slim

# torch is only a dependency of a dependency (see pyproject.toml); its CPU build (+cpu, found only on
# this index) keeps gigabytes of CUDA wheels out of the image. Override to use a mirror.
ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    AUTOCREA_HOST=0.0.0.0 \
    AUTOCREA_PORT=8000 \
    AUTOCREA_DATA_DIR=/var/lib/autocrea \
    AUTOCREA_RUNTIME_DIR=/var/cache/autocrea/runtimes \
    AUTOCREA_SANDBOX_PYTHON=/usr/local/bin/python3.11

# bubblewrap runs generated code (tests, boot checks, previews); git is the usual tool for looking
# into the projects' repositories (AUTOCREA itself drives them through libgit2).
RUN apt-get update \
    && apt-get install -y --no-install-recommends bubblewrap git \
    && rm -rf /var/lib/apt/lists/*

# Not root: the sandbox then keeps this uid inside a user namespace that shows it nothing of the server.
RUN useradd --create-home --uid 10001 --user-group autocrea \
    && mkdir -p /var/lib/autocrea /var/cache/autocrea/runtimes \
    && chown -R autocrea:autocrea /var/lib/autocrea /var/cache/autocrea

WORKDIR /opt/autocrea
COPY pyproject.toml README.md ./
COPY src ./src
RUN pip install --no-cache-dir --extra-index-url "$TORCH_INDEX_URL" "torch==2.13.0+cpu" \
    && pip install --no-cache-dir .

USER autocrea
WORKDIR /var/lib/autocrea
EXPOSE 8000
VOLUME ["/var/lib/autocrea", "/var/cache/autocrea/runtimes"]

HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/health' % os.environ.get('AUTOCREA_PORT', '8000'), timeout=4)"]

CMD ["autocrea", "serve"]
