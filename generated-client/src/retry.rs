//! How often to poll and how to back off after failures.

use std::time::Duration;

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

    /// The delay before query number `n` (0-based).
    pub fn delay(&self, n: u32) -> Duration {
        let base = grow(self.initial, self.factor, n, self.max);
        spread(base, self.jitter)
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
        let exp = grow(self.base, 2.0, n.saturating_sub(1), self.cap);
        let jittered = exp / 2 + exp.mul_f64(fastrand::f64() / 2.0);
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

fn spread(d: Duration, jitter: f64) -> Duration {
    let j = jitter.clamp(0.0, 1.0);
    if j == 0.0 {
        return d;
    }
    d.mul_f64(1.0 - j + 2.0 * j * fastrand::f64())
}

#[cfg(test)]
mod tests {
    use super::*;

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
