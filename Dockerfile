# syntax=docker/dockerfile:1
# ---- build ----------------------------------------------------------------
FROM rust:1.95-bookworm AS builder
WORKDIR /src
# Dependencies first: a layer built from the manifests alone, with every crate's sources
# stubbed out, so a change to the service's own code rebuilds only the service.
COPY Cargo.toml Cargo.lock ./
COPY crates/domain/Cargo.toml crates/domain/
COPY crates/loadtest/Cargo.toml crates/loadtest/
COPY crates/mail-sink/Cargo.toml crates/mail-sink/
COPY crates/persistence/Cargo.toml crates/persistence/
COPY crates/server/Cargo.toml crates/server/
COPY crates/usecases/Cargo.toml crates/usecases/
COPY migrations/Cargo.toml migrations/
COPY tests/Cargo.toml tests/
COPY crates/domain/benches crates/domain/benches
COPY crates/server/benches crates/server/benches
RUN for crate in crates/domain crates/loadtest crates/mail-sink crates/persistence crates/server crates/usecases migrations tests; do \
      mkdir -p "$crate/src" && echo 'fn main() {}' > "$crate/src/main.rs" && touch "$crate/src/lib.rs"; \
    done \
 && cargo build --release --locked -p grants-server --bin grants \
 && rm -rf crates/*/src migrations/src tests/src \
      target/release/.fingerprint/grants-* target/release/deps/grants* target/release/deps/libgrants*
# Then the workspace itself (see .dockerignore for what is left out).
COPY . .
RUN cargo build --release --locked -p grants-server --bin grants \
 && install -D -m 0755 target/release/grants /out/grants

# ---- runtime --------------------------------------------------------------
# Debian 12 at a fixed point release, so a rebuild gets the same base.
FROM debian:12.9-slim
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
# The binary probes itself: GET /ready on the bound port (the database is reachable and
# its schema is this release's).
HEALTHCHECK --interval=10s --timeout=6s --start-period=30s --retries=3 \
  CMD ["/usr/local/bin/grants", "health"]
USER grants
ENTRYPOINT ["/usr/local/bin/grants"]
CMD ["serve"]
