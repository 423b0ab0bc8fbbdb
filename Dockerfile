# syntax=docker/dockerfile:1
#
# docker build -t atrium .
# docker run -p 8080:8080 -e DATABASE_URL=postgres://atrium_app:...@db/atrium atrium
#
# Without DATABASE_URL the service uses SQLite in /var/lib/atrium (mount a
# volume there to keep it). The migrations are compiled into the binary.

FROM rust:1-bookworm AS build
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpq-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked -p atrium \
    && cp target/release/atrium /usr/local/bin/atrium

FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpq5 ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /var/lib/atrium --shell /usr/sbin/nologin atrium \
    && install -d -o atrium -g atrium -m 0700 /var/lib/atrium /var/lib/atrium/keys
COPY --from=build /usr/local/bin/atrium /usr/local/bin/atrium

USER atrium
WORKDIR /var/lib/atrium
ENV ATRIUM_LISTEN=0.0.0.0:8080 \
    DATABASE_URL=sqlite:///var/lib/atrium/atrium.db \
    ATRIUM_JWT_KEY_FILE=/var/lib/atrium/keys/jwt-ed25519.pem \
    ATRIUM_LOG_FORMAT=json
EXPOSE 8080

# No curl in the slim image: speak HTTP over bash's /dev/tcp.
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
    CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/${ATRIUM_LISTEN##*:} && printf 'GET /health/ready HTTP/1.1\\r\\nHost: localhost\\r\\nConnection: close\\r\\n\\r\\n' >&3 && head -n1 <&3 | grep -q ' 200 '"]

ENTRYPOINT ["atrium"]
CMD ["serve"]
