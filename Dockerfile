# ---- build ----------------------------------------------------------------
FROM rust:1.95-bookworm AS builder
WORKDIR /src
# The whole workspace (see .dockerignore for what is left out).
COPY . .
RUN cargo build --release --locked -p grants-server --bin grants \
 && install -D -m 0755 target/release/grants /out/grants

# ---- runtime --------------------------------------------------------------
FROM debian:bookworm-slim
# rustls only, no OpenSSL: the CA bundle is all the runtime needs.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/*
RUN groupadd --system --gid 10001 grants \
 && useradd --system --uid 10001 --gid grants --home-dir /var/lib/grants --no-create-home --shell /usr/sbin/nologin grants \
 && install -d -o grants -g grants -m 0750 /var/lib/grants
COPY --from=builder /out/grants /usr/local/bin/grants
WORKDIR /var/lib/grants
ENV GRANTS_BIND=0.0.0.0:8080 \
    GRANTS_DATA_DIR=/var/lib/grants
EXPOSE 8080
# No HEALTHCHECK: the image has no curl. Probe GET /health (liveness) and
# GET /ready (database reachable) from outside.
USER grants
ENTRYPOINT ["/usr/local/bin/grants"]
CMD ["serve"]
