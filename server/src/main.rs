//! The `gridd` binary: parse the command line, set up logging, run.

use clap::Parser;

/// mimalloc instead of glibc's malloc, for the city-scale memory target (issue 15).
/// Measured only together with the audit's smaller results: with both the process
/// stayed at 857–935 MiB after a warm-up with an audit, against 872–931 MiB with
/// glibc without them (BENCHMARKS.md, city-scale memory); its own share is not
/// isolated yet.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
