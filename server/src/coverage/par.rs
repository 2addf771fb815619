//! A tiny order-preserving parallel map on scoped threads: the audit's work items
//! (parent groups, candidate pairs, buildings) are independent and uneven, so
//! workers take small chunks from a shared counter.

use std::sync::atomic::{AtomicUsize, Ordering};

/// Worker threads to use: the machine's parallelism, at most 8.
pub fn threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get().min(8))
}

/// `items.iter().map(f).collect()`, on up to [`threads`] threads, in input order.
pub fn map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let n = threads();
    if n <= 1 || items.len() < 64 {
        return items.iter().map(f).collect();
    }
    let chunk = (items.len() / (n * 16)).clamp(1, 256);
    let next = AtomicUsize::new(0);
    let mut parts: Vec<(usize, Vec<R>)> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..n)
            .map(|_| {
                s.spawn(|| {
                    let mut out = Vec::new();
                    loop {
                        let start = next.fetch_add(chunk, Ordering::Relaxed);
                        if start >= items.len() {
                            break;
                        }
                        let end = (start + chunk).min(items.len());
                        out.push((start, items[start..end].iter().map(&f).collect::<Vec<R>>()));
                    }
                    out
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    });
    parts.sort_unstable_by_key(|(start, _)| *start);
    parts.into_iter().flat_map(|(_, v)| v).collect()
}
