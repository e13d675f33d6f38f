//! `grants-loadtest`: seeds a realistic dataset into a fresh database, starts the `grants`
//! server on it, drives it over HTTP with concurrent virtual users for a fixed time and
//! reports throughput, latency percentiles and errors per operation, and the server's peak
//! memory. It exits non-zero when any request failed.

mod dataset;
mod op;
mod report;
mod scenario;
mod server;
mod stats;
mod targets;

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context as _;
use clap::{Parser, ValueEnum};
use scenario::Mode;

/// Which database the server runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Backend {
    /// A SQLite file in the run's directory.
    Sqlite,
    /// A fresh database on the PostgreSQL server of `--postgres-url`.
    Postgres,
}

/// How large a dataset to seed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Scale {
    /// 20 calls, 5,000 organisations, 20,000 applications, 200 reviewers, 60,000 reviews.
    Full,
    /// A twentieth of it, for a smoke run.
    Small,
}

/// Load test of the grant service.
#[derive(Debug, Parser)]
#[command(name = "grants-loadtest", version)]
pub struct Args {
    /// Database to run the server on.
    #[arg(long, value_enum, default_value = "sqlite")]
    pub database: Backend,
    /// Dataset size.
    #[arg(long, value_enum, default_value = "full")]
    pub scale: Scale,
    /// Concurrent virtual users (each holds one connection).
    #[arg(long, default_value_t = 32)]
    pub users: usize,
    /// Seconds of measured load.
    #[arg(long, default_value_t = 60)]
    pub duration_secs: u64,
    /// Seconds of load before measuring starts.
    #[arg(long, default_value_t = 5)]
    pub warmup_secs: u64,
    /// Seconds of the second phase, in which every virtual user only reads applications.
    #[arg(long, default_value_t = 20)]
    pub read_secs: u64,
    /// Rankings one officer requests in the third phase, with nothing else running.
    #[arg(long, default_value_t = 50)]
    pub rankings: usize,
    /// The server binary; by default `grants` next to this program.
    #[arg(long)]
    pub server: Option<PathBuf>,
    /// A PostgreSQL maintenance database; each run creates and drops its own database.
    #[arg(
        long,
        env = "TEST_DATABASE_URL",
        default_value = "postgres://postgres@127.0.0.1:5432/postgres"
    )]
    pub postgres_url: String,
    /// Let the server reach PostgreSQL over TLS when the server offers it (by default the
    /// server connects with `sslmode=disable`: both run on this machine).
    #[arg(long)]
    pub postgres_tls: bool,
    /// Directory for the run's SQLite file, mail and server log.
    #[arg(long, default_value = "target/loadtest")]
    pub work_dir: PathBuf,
    /// Keep the run's directory (SQLite file, mail, server log) afterwards.
    #[arg(long)]
    pub keep: bool,
    /// Also write the report (Markdown) to this file.
    #[arg(long)]
    pub report: Option<PathBuf>,
    /// Instead of driving the load, keep the seeded server up for an outside load
    /// generator: write request targets into this directory, then `ready` (the server's
    /// base URL and process id), and stop once a file `stop` appears there.
    #[arg(long)]
    pub wrk_targets: Option<PathBuf>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let binary = match &args.server {
        Some(path) => path.clone(),
        None => std::env::current_exe()
            .context("locating this program")?
            .with_file_name("grants"),
    };
    anyhow::ensure!(
        binary.is_file(),
        "no server binary at {} (build it with `cargo build --release -p grants-server`, or pass --server)",
        binary.display()
    );
    let run_dir = args
        .work_dir
        .join(format!("{:?}-{}", args.database, std::process::id()).to_lowercase());
    std::fs::create_dir_all(&run_dir).with_context(|| format!("creating {}", run_dir.display()))?;

    let db = dataset::prepare(&args, &run_dir).await?;
    if let Some(dir) = &args.wrk_targets {
        let served = async {
            let mut server = server::Server::start(&binary, &run_dir, &db.server_url).await?;
            let served = serve_targets(&server, &db.manifest, dir).await;
            server.stop().await;
            served
        }
        .await;
        db.dispose(&args).await;
        let _ = std::fs::remove_dir_all(&run_dir);
        return served;
    }
    let outcome = run(&args, &binary, &run_dir, &db).await;
    db.dispose(&args).await;
    if args.keep {
        eprintln!("kept {}", run_dir.display());
    } else if let Err(e) = std::fs::remove_dir_all(&run_dir) {
        eprintln!("could not remove {}: {e}", run_dir.display());
    }
    let report = outcome?;
    let text = report.markdown();
    println!("{text}");
    if let Some(path) = &args.report {
        std::fs::write(path, &text).with_context(|| format!("writing {}", path.display()))?;
    }
    if report.errors() > 0 {
        anyhow::bail!("{} requests failed", report.errors());
    }
    Ok(())
}

async fn run(
    args: &Args,
    binary: &std::path::Path,
    run_dir: &std::path::Path,
    db: &dataset::Prepared,
) -> anyhow::Result<report::Report> {
    let mut server = server::Server::start(binary, run_dir, &db.server_url).await?;
    let result = async {
        let world = std::sync::Arc::new(
            scenario::World::log_in(server.base_url(), &db.manifest, args.users).await?,
        );
        let rss_after_login = server.rss_kib();
        let warmup = Duration::from_secs(args.warmup_secs);
        let measured = Duration::from_secs(args.duration_secs);
        let cpu_before = server.cpu_seconds();
        eprintln!(
            "mixed load: {} users for {} s",
            args.users, args.duration_secs
        );
        let mixed = scenario::drive(&world, Mode::Mixed, args.users, warmup, measured).await;
        let cpu = server.cpu_seconds().zip(cpu_before).map(|(a, b)| a - b);
        let reading = Duration::from_secs(args.read_secs);
        eprintln!("reads only: {} users for {} s", args.users, args.read_secs);
        let reads = scenario::drive(&world, Mode::Reads, args.users, Duration::ZERO, reading).await;
        eprintln!("{} rankings, one at a time", args.rankings);
        let rankings = scenario::rankings_alone(&world, args.rankings).await;
        Ok::<_, anyhow::Error>(report::Report {
            database: args.database,
            scale: args.scale,
            users: args.users,
            seed: db.seed_time,
            counts: db.manifest.counts,
            mixed: report::Phase {
                seconds: measured.as_secs_f64(),
                samples: mixed,
            },
            reads: report::Phase {
                seconds: reading.as_secs_f64(),
                samples: reads,
            },
            rankings,
            rss_after_login_kib: rss_after_login,
            rss_at_end_kib: server.rss_kib(),
            peak_rss_kib: server.peak_rss_kib(),
            server_cpu_seconds: cpu,
        })
    }
    .await;
    server.stop().await;
    result
}

/// Writes the targets into `dir`, says the server is ready, and waits for `dir/stop`.
async fn serve_targets(
    server: &server::Server,
    manifest: &persistence::seed::Manifest,
    dir: &std::path::Path,
) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let stop = dir.join("stop");
    let _ = std::fs::remove_file(&stop);
    targets::write(server.base_url(), manifest, dir).await?;
    let ready = format!("{} {}\n", server.base_url(), server.pid());
    std::fs::write(dir.join("ready"), ready).context("writing ready")?;
    eprintln!(
        "serving {} until {} appears",
        server.base_url(),
        stop.display()
    );
    while !stop.exists() {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    Ok(())
}
