//! The `gridd` binary: parse the command line, set up logging, run.

use clap::Parser;

/// mimalloc instead of glibc's malloc: at city scale (a million buildings) glibc kept
/// the peaks of loading and of each audit's worker threads resident (its per-thread
/// arenas return little to the system), so the process stayed ~300 MiB above what it
/// holds; mimalloc gives freed pages back (BENCHMARKS.md, city-scale memory).
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
