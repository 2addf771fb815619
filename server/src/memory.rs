//! The whole process's resident memory, read from `/proc/self/status` (Linux; `None`
//! elsewhere). Logged at the stages of start-up so that where the memory goes at
//! city scale can be seen without a profiler (BENCHMARKS.md, issue 15).

/// Resident memory now and its peak so far (`VmRSS`, `VmHWM`), in MiB.
#[derive(Debug, Clone, Copy)]
pub struct Resident {
    /// Resident now.
    pub rss_mib: f64,
    /// Highest resident so far.
    pub peak_mib: f64,
}

/// The process's resident memory, when the platform tells it.
pub fn resident() -> Option<Resident> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let field = |name: &str| {
        s.lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|kb| kb.parse::<f64>().ok())
            .map(|kb| kb / 1024.0)
    };
    Some(Resident {
        rss_mib: field("VmRSS:")?,
        peak_mib: field("VmHWM:")?,
    })
}

/// Logs the resident memory at a stage of start-up.
pub fn log_stage(stage: &str) {
    if let Some(r) = resident() {
        tracing::info!(
            stage,
            rss_mib = r.rss_mib.round(),
            peak_mib = r.peak_mib.round(),
            "memory"
        );
    }
}
