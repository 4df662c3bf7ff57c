//! The `casefile` binary: parses the command line and runs the chosen command.

use clap::Parser as _;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    // Before anything is created: the database, evidence and keys are for this user only.
    server::private_files::restrict_new_files();
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
