//! The `grants` binary.

use clap::Parser;
use server::cli::{Cli, report_failure, run};

/// mimalloc rather than the system allocator: the service allocates many small, short-lived
/// objects from a few threads at once, where glibc's allocator spent a fifth of the CPU in
/// its own bookkeeping and lock contention (see the README's Performance section).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    match run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            report_failure(&err);
            std::process::ExitCode::FAILURE
        }
    }
}
