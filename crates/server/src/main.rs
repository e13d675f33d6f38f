//! The `grants` binary.

use clap::Parser;
use server::cli::{Cli, run};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    match run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            tracing::error!(error = format!("{err:#}"), "failed");
            eprintln!("grants: {err:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
