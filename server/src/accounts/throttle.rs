//! Throttling failed sign-ins, per account and per address: after
//! [`PER_ACCOUNT`] failures for one name within [`WINDOW`], or [`PER_ADDRESS`]
//! from one address, further attempts are refused until the oldest failure leaves
//! the window. A success clears the account's failures (not the address's).
//! Kept in memory (per instance); a restart forgets it.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

/// Failures per account name within the window before it is throttled.
pub const PER_ACCOUNT: usize = 5;
/// Failures per address within the window before it is throttled.
pub const PER_ADDRESS: usize = 20;
/// The window.
pub const WINDOW: Duration = Duration::from_secs(15 * 60);
/// Names and addresses remembered at most (the oldest are forgotten first).
const MAX_KEYS: usize = 100_000;

/// Recent failures.
#[derive(Debug, Default)]
pub struct Throttle {
    accounts: HashMap<String, VecDeque<Instant>>,
    addresses: HashMap<String, VecDeque<Instant>>,
}

fn prune(q: &mut VecDeque<Instant>, now: Instant) {
    while q.front().is_some_and(|t| now.duration_since(*t) >= WINDOW) {
        q.pop_front();
    }
}

fn wait(
    map: &mut HashMap<String, VecDeque<Instant>>,
    key: &str,
    limit: usize,
    now: Instant,
) -> Option<Duration> {
    let q = map.get_mut(key)?;
    prune(q, now);
    if q.len() < limit {
        return None;
    }
    let oldest = *q.front()?;
    Some(
        WINDOW
            .saturating_sub(now.duration_since(oldest))
            .max(Duration::from_secs(1)),
    )
}

fn push(map: &mut HashMap<String, VecDeque<Instant>>, key: &str, now: Instant) {
    if map.len() >= MAX_KEYS && !map.contains_key(key) {
        map.retain(|_, q| {
            prune(q, now);
            !q.is_empty()
        });
        if map.len() >= MAX_KEYS {
            map.clear();
        }
    }
    let q = map.entry(key.to_owned()).or_default();
    prune(q, now);
    q.push_back(now);
}

impl Throttle {
    /// How long the caller must wait before trying `account` from `address`
    /// again, `None` when they may try now.
    pub fn wait(&mut self, account: &str, address: &str, now: Instant) -> Option<Duration> {
        let a = wait(&mut self.accounts, account, PER_ACCOUNT, now);
        let b = wait(&mut self.addresses, address, PER_ADDRESS, now);
        a.max(b)
    }

    /// Records a failed attempt.
    pub fn failed(&mut self, account: &str, address: &str, now: Instant) {
        push(&mut self.accounts, account, now);
        push(&mut self.addresses, address, now);
    }

    /// Records a successful sign-in: the account's failures are forgotten.
    pub fn succeeded(&mut self, account: &str) {
        self.accounts.remove(account);
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn an_account_is_throttled_after_five_failures_until_the_window_passes() {
        let mut t = Throttle::default();
        let t0 = Instant::now();
        for i in 0..PER_ACCOUNT {
            assert_eq!(t.wait("zhang", "1.2.3.4", t0), None, "attempt {i}");
            t.failed("zhang", "1.2.3.4", t0);
        }
        let w = t
            .wait("zhang", "5.6.7.8", t0)
            .expect("throttled from any address");
        assert!(w > Duration::from_secs(14 * 60) && w <= WINDOW, "{w:?}");
        // Another account from the same address is not.
        assert_eq!(t.wait("li", "1.2.3.4", t0), None);
        // After the window it may try again.
        assert_eq!(t.wait("zhang", "1.2.3.4", t0 + WINDOW), None);
    }

    #[test]
    fn an_address_is_throttled_across_accounts_and_success_clears_the_account_only() {
        let mut t = Throttle::default();
        let t0 = Instant::now();
        for i in 0..PER_ADDRESS {
            t.failed(&format!("user{i}"), "9.9.9.9", t0);
        }
        assert!(t.wait("somebody", "9.9.9.9", t0).is_some());
        assert_eq!(t.wait("somebody", "1.1.1.1", t0), None);
        for _ in 0..PER_ACCOUNT {
            t.failed("wang", "1.1.1.1", t0);
        }
        assert!(t.wait("wang", "2.2.2.2", t0).is_some());
        t.succeeded("wang");
        assert_eq!(t.wait("wang", "2.2.2.2", t0), None);
    }
}
