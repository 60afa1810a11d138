//! A request-rate limit shared by submits and queries.

use std::sync::Mutex;
use std::time::Duration;
use tokio::time::Instant;

/// Spaces requests at least `interval` apart, in the order they ask.
#[derive(Debug)]
pub(crate) struct RateLimiter {
    interval: Duration,
    next: Mutex<Instant>,
}

impl RateLimiter {
    /// A limit of `per_second` requests per second; `None` when it is not a positive,
    /// finite number.
    pub(crate) fn per_second(per_second: f64) -> Option<RateLimiter> {
        if !(per_second.is_finite() && per_second > 0.0) {
            return None;
        }
        Some(RateLimiter {
            interval: Duration::from_secs_f64(1.0 / per_second),
            next: Mutex::new(Instant::now()),
        })
    }

    /// Waits for this request's turn.
    pub(crate) async fn acquire(&self) {
        let at = {
            let mut next = self.next.lock().unwrap_or_else(|e| e.into_inner());
            let at = (*next).max(Instant::now());
            *next = at + self.interval;
            at
        };
        tokio::time::sleep_until(at).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_positive_finite_rates_limit() {
        assert!(RateLimiter::per_second(0.0).is_none());
        assert!(RateLimiter::per_second(-1.0).is_none());
        assert!(RateLimiter::per_second(f64::NAN).is_none());
        assert!(RateLimiter::per_second(f64::INFINITY).is_none());
        assert_eq!(
            RateLimiter::per_second(4.0).unwrap().interval,
            Duration::from_millis(250)
        );
    }

    #[tokio::test(start_paused = true)]
    async fn requests_are_spaced_by_the_interval() {
        let limiter = RateLimiter::per_second(10.0).unwrap();
        let start = Instant::now();
        for _ in 0..5 {
            limiter.acquire().await;
        }
        // The first goes at once, the next four 100 ms apart.
        assert_eq!(start.elapsed(), Duration::from_millis(400));
    }
}
