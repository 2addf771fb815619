//! The `gridd` binary: parse the command line, set up logging, run.

use clap::Parser;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "gridd=info,tower_http=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = gridd::cli::Cli::parse();
    match gridd::cli::run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(gridd::error::Error::Invalid(errors)) => {
            eprintln!(
                "error: invalid input; nothing was stored ({} problems):",
                errors.len()
            );
            for e in &errors {
                eprintln!("  {e}");
            }
            std::process::ExitCode::from(2)
        }
        Err(e) => {
            eprintln!("error: {e}");
            let mut src = std::error::Error::source(&e);
            while let Some(s) = src {
                eprintln!("  caused by: {s}");
                src = s.source();
            }
            std::process::ExitCode::FAILURE
        }
    }
}
