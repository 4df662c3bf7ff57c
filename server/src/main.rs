//! The `casefile` binary: parses the command line and runs the chosen command.

use clap::Parser as _;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = server::config::Cli::parse();
    server::telemetry::init();
    match server::commands::run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("casefile: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
