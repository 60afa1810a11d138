//! How often to poll and how to back off after failures, where the random spread of both
//! comes from ([`Jitter`]), and the one retry loop ([`run`]) that submits, queries and
//! batches share.

use crate::error::Error;
use std::fmt;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Where the random spread of poll delays and backoffs comes from. The default draws from a
/// random source; [`Jitter::seeded`] and [`Jitter::fixed`] make every delay reproducible,
/// for tests on tokio's paused clock and for replaying a run. Clones share one source.
#[derive(Clone, Default)]
pub struct Jitter(Source);

#[derive(Clone, Default)]
enum Source {
    #[default]
    Random,
    Seeded(Arc<Mutex<fastrand::Rng>>),
    Fixed(f64),
}

impl Jitter {
    /// Draws from a random source (the default).
    pub fn random() -> Jitter {
        Jitter(Source::Random)
    }

    /// Draws from a generator seeded with `seed`: the same seed gives the same delays in the
    /// same order.
    pub fn seeded(seed: u64) -> Jitter {
        Jitter(Source::Seeded(Arc::new(Mutex::new(
            fastrand::Rng::with_seed(seed),
        ))))
    }

    /// Always draws `u` (clamped to 0..=1): `0.5` gives every poll delay exactly its
    /// schedule value and every backoff three quarters of its exponential value.
    pub fn fixed(u: f64) -> Jitter {
        let u = if u.is_nan() { 0.5 } else { u.clamp(0.0, 1.0) };
        Jitter(Source::Fixed(u))
    }

    /// A draw in `0..=1`.
    pub(crate) fn draw(&self) -> f64 {
        match &self.0 {
            Source::Random => fastrand::f64(),
            Source::Seeded(rng) => rng.lock().unwrap_or_else(|e| e.into_inner()).f64(),
            Source::Fixed(u) => *u,
        }
    }
}

impl fmt::Debug for Jitter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Source::Random => f.write_str("Jitter::random()"),
            Source::Seeded(_) => f.write_str("Jitter::seeded(..)"),
            Source::Fixed(u) => write!(f, "Jitter::fixed({u})"),
        }
    }
}

/// A failure that may carry the delay the server asked for before a retry.
pub(crate) trait RetryAfter {
    /// The `Retry-After` delay, if the server gave one.
    fn retry_after(&self) -> Option<Duration>;
}

impl RetryAfter for Error {
    fn retry_after(&self) -> Option<Duration> {
        Error::retry_after(self)
    }
}

/// Runs `attempt` until it succeeds, fails for good, or fails `policy`'s number of times in
/// a row; a failure that `retryable` accepts is followed by [`RetryPolicy::backoff_with`]
/// (a server's `Retry-After` honoured). The only retry loop of the crate: submits retry
/// refusals for a passing reason, queries retry transient failures, batches retry refusals
/// with their own policy.
pub(crate) async fn run<T, E, Fut>(
    policy: &RetryPolicy,
    jitter: &Jitter,
    retryable: impl Fn(&E) -> bool,
    mut attempt: impl FnMut() -> Fut,
) -> Result<T, E>
where
    E: RetryAfter + std::fmt::Display,
    Fut: Future<Output = Result<T, E>>,
{
    use tracing::Instrument as _;
    let mut failures = 0;
    loop {
        // Each attempt is a span, so that its requests say which attempt they were.
        let span = tracing::debug_span!("attempt", n = failures + 1);
        match attempt().instrument(span).await {
            Err(e) if retryable(&e) => {
                failures += 1;
                if failures >= policy.max_consecutive_failures {
                    tracing::debug!(attempt = failures, reason = %e, "giving up");
                    return Err(e);
                }
                let delay = policy.backoff_with(failures, e.retry_after(), jitter);
                tracing::info!(
                    attempt = failures,
                    reason = %e,
                    delay_ms = delay.as_millis() as u64,
                    "retrying"
                );
                tokio::time::sleep(delay).await;
            }
            other => return other,
        }
    }
}

/// The delays between task queries: short at first, growing by `factor` up to `max`, each
/// spread by up to `jitter` (a fraction) so that many tasks do not poll in lockstep.
#[derive(Debug, Clone, PartialEq)]
pub struct PollSchedule {
    /// Delay before the first query.
    pub initial: Duration,
    /// Growth of the delay from one query to the next (1.0 polls at a fixed rate).
    pub factor: f64,
    /// The longest delay.
    pub max: Duration,
    /// Random spread, as a fraction of the delay (0.1 = ±10 %).
    pub jitter: f64,
}

impl Default for PollSchedule {
    /// 1 s, growing by 1.5× to 10 s, ±10 %.
    fn default() -> Self {
        PollSchedule {
            initial: Duration::from_secs(1),
            factor: 1.5,
            max: Duration::from_secs(10),
            jitter: 0.1,
        }
    }
}

impl PollSchedule {
    /// A fixed interval without jitter.
    pub fn fixed(interval: Duration) -> PollSchedule {
        PollSchedule {
            initial: interval,
            factor: 1.0,
            max: interval,
            jitter: 0.0,
        }
    }

    /// The delay before query number `n` (0-based), spread by a random draw.
    pub fn delay(&self, n: u32) -> Duration {
        self.delay_with(n, &Jitter::random())
    }

    /// The delay before query number `n` (0-based), spread by a draw from `jitter`.
    pub fn delay_with(&self, n: u32, jitter: &Jitter) -> Duration {
        let base = grow(self.initial, self.factor, n, self.max);
        spread(base, self.jitter, jitter)
    }
}

/// Retries of failed requests: capped exponential backoff with full jitter, up to a number
/// of consecutive failures.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    /// Failures in a row after which the last error is returned (1 = no retry).
    pub max_consecutive_failures: u32,
    /// Backoff before the first retry.
    pub base: Duration,
    /// The longest backoff.
    pub cap: Duration,
}

impl Default for RetryPolicy {
    /// 5 failures in a row; 1 s doubling to 30 s.
    fn default() -> Self {
        RetryPolicy {
            max_consecutive_failures: 5,
            base: Duration::from_secs(1),
            cap: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// No retries at all.
    pub fn none() -> RetryPolicy {
        RetryPolicy {
            max_consecutive_failures: 1,
            ..RetryPolicy::default()
        }
    }

    /// The backoff after failure number `n` (1-based): at least half of the exponential
    /// value, at most the value, never above `cap`. A server's `Retry-After` wins when it
    /// asks for longer (still capped).
    pub fn backoff(&self, n: u32, retry_after: Option<Duration>) -> Duration {
        self.backoff_with(n, retry_after, &Jitter::random())
    }

    /// [`RetryPolicy::backoff`] with its draw from `jitter`.
    pub fn backoff_with(&self, n: u32, retry_after: Option<Duration>, jitter: &Jitter) -> Duration {
        let exp = grow(self.base, 2.0, n.saturating_sub(1), self.cap);
        let jittered = exp / 2 + exp.mul_f64(jitter.draw() / 2.0);
        match retry_after {
            Some(asked) if asked > jittered => asked.min(self.cap),
            _ => jittered,
        }
    }
}

fn grow(initial: Duration, factor: f64, n: u32, max: Duration) -> Duration {
    let scaled = initial.as_secs_f64() * factor.max(1.0).powi(n.min(1000) as i32);
    if !scaled.is_finite() || scaled >= max.as_secs_f64() {
        max
    } else {
        Duration::from_secs_f64(scaled)
    }
}

fn spread(d: Duration, fraction: f64, jitter: &Jitter) -> Duration {
    let j = fraction.clamp(0.0, 1.0);
    if j == 0.0 {
        return d;
    }
    d.mul_f64(1.0 - j + 2.0 * j * jitter.draw())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fixed_draw_gives_exact_delays_and_a_seed_repeats_itself() {
        let s = PollSchedule::default();
        let mid = Jitter::fixed(0.5);
        assert_eq!(s.delay_with(0, &mid), Duration::from_secs(1));
        assert_eq!(s.delay_with(1, &mid), Duration::from_millis(1500));
        assert_eq!(s.delay_with(9, &mid), Duration::from_secs(10));
        assert_eq!(
            s.delay_with(0, &Jitter::fixed(0.0)),
            Duration::from_millis(900)
        );
        assert_eq!(
            s.delay_with(0, &Jitter::fixed(7.0)),
            Duration::from_millis(1100)
        );
        let p = RetryPolicy::default();
        assert_eq!(
            p.backoff_with(2, None, &mid),
            Duration::from_millis(1500),
            "three quarters of 2 s"
        );
        let draws = |seed| {
            let j = Jitter::seeded(seed);
            (0..5).map(|n| s.delay_with(n, &j)).collect::<Vec<_>>()
        };
        assert_eq!(draws(7), draws(7));
        assert_ne!(draws(7), draws(8));
        // Clones share the source: they continue one sequence rather than repeat it.
        let j = Jitter::seeded(7);
        let k = j.clone();
        assert_ne!(j.draw(), k.draw());
    }

    #[tokio::test(start_paused = true)]
    async fn the_retry_loop_backs_off_between_retryable_failures_and_stops_at_the_limit() {
        let policy = RetryPolicy {
            max_consecutive_failures: 3,
            base: Duration::from_secs(1),
            cap: Duration::from_secs(30),
        };
        let start = tokio::time::Instant::now();
        let mut at = Vec::new();
        let result: Result<(), Error> = run(
            &policy,
            &Jitter::fixed(1.0),
            |e| matches!(e, Error::Http { status: 503, .. }),
            || {
                at.push(start.elapsed());
                async {
                    Err(Error::Http {
                        status: 503,
                        body: String::new(),
                        retry_after: None,
                    })
                }
            },
        )
        .await;
        assert!(matches!(result, Err(Error::Http { status: 503, .. })));
        // Full backoffs with a draw of 1: 1 s, then 2 s; no sleep after the last failure.
        assert_eq!(
            at,
            [
                Duration::ZERO,
                Duration::from_secs(1),
                Duration::from_secs(3)
            ]
        );
        assert_eq!(start.elapsed(), Duration::from_secs(3));

        let mut calls = 0;
        let result: Result<u32, Error> = run(
            &policy,
            &Jitter::fixed(1.0),
            |_| false,
            || {
                calls += 1;
                async { Err(Error::Config("not retryable".into())) }
            },
        )
        .await;
        assert!(matches!(result, Err(Error::Config(_))));
        assert_eq!(calls, 1, "a failure it does not accept is returned at once");
    }

    #[test]
    fn polling_grows_to_the_cap_within_the_jitter() {
        let s = PollSchedule {
            initial: Duration::from_millis(100),
            factor: 2.0,
            max: Duration::from_millis(500),
            jitter: 0.1,
        };
        for _ in 0..100 {
            let d0 = s.delay(0).as_secs_f64();
            assert!((0.09..=0.11).contains(&d0), "{d0}");
            let d2 = s.delay(2).as_secs_f64();
            assert!((0.36..=0.44).contains(&d2), "{d2}");
            let d9 = s.delay(9).as_secs_f64();
            assert!((0.45..=0.55).contains(&d9), "{d9}");
        }
        assert_eq!(
            PollSchedule::fixed(Duration::from_secs(5)).delay(7),
            Duration::from_secs(5)
        );
    }

    #[test]
    fn backoff_is_capped_and_honours_retry_after() {
        let p = RetryPolicy {
            max_consecutive_failures: 5,
            base: Duration::from_millis(100),
            cap: Duration::from_secs(1),
        };
        for _ in 0..100 {
            let b1 = p.backoff(1, None);
            assert!(
                b1 >= Duration::from_millis(50) && b1 <= Duration::from_millis(100),
                "{b1:?}"
            );
            let b3 = p.backoff(3, None);
            assert!(
                b3 >= Duration::from_millis(200) && b3 <= Duration::from_millis(400),
                "{b3:?}"
            );
            assert!(p.backoff(30, None) <= Duration::from_secs(1));
        }
        assert_eq!(
            p.backoff(1, Some(Duration::from_millis(700))),
            Duration::from_millis(700)
        );
        assert_eq!(
            p.backoff(1, Some(Duration::from_secs(60))),
            Duration::from_secs(1)
        );
    }
}
