# syntax=docker/dockerfile:1
# SignupGuard scoring service. Build: docker build -t signupguard .
# Run:   docker run -p 50051:50051 signupguard

# Builder: turn the package and every dependency into wheels, so the runtime stage
# installs without a compiler and without the network.
FROM python:3.11-slim AS builder
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml README.md ./
# service/model/shipped links to models/default: the wheel carries the default model.
COPY models/default ./models/default
COPY service ./service
COPY training ./training
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

FROM python:3.11-slim AS runtime
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
# LightGBM's wheel links the system OpenMP runtime (libgomp.so.1), which slim lacks.
# Not version-pinned: Debian drops old point versions, so a pin would break the build.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends libgomp1 \
    && rm -rf /var/lib/apt/lists/*
# Bind-mount the wheels instead of copying them, so they add no layer.
RUN --mount=type=bind,from=builder,source=/wheels,target=/wheels \
    pip install --no-cache-dir --no-index --find-links=/wheels /wheels/signupguard-*.whl
COPY scripts/grpc_health_check.py /usr/local/lib/signupguard/grpc_health_check.py
RUN groupadd --system --gid 10001 signupguard \
    && useradd --system --uid 10001 --gid signupguard --home-dir /app --create-home \
       --shell /usr/sbin/nologin signupguard
# The working directory holds var/ (SQLite) and must be writable by the service user.
WORKDIR /app
# The default model is package data; mount another artifact and set SIGNUPGUARD_MODEL to use it.
USER 10001:10001
EXPOSE 50051
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "/usr/local/lib/signupguard/grpc_health_check.py", "--target", "127.0.0.1:50051"]
ENTRYPOINT ["signupguard"]
CMD ["serve", "--host", "0.0.0.0"]
