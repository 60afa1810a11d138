//! What a client learns about how long tasks of each endpoint take, so that the next wait
//! for the same endpoint can skip the queries that would only see it still running.
//!
//! Each finished task leaves a sample: the last time (since its submit) a query saw it
//! unfinished, and the time the client saw it finished. The true finish lies between the
//! two. Over the recent samples of an endpoint, the earliest "still unfinished" and the
//! latest "finished" bound the window in which the next task of that endpoint will likely
//! finish; [`Learning`] turns that window into delays.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::Duration;

/// Samples kept per endpoint: recent enough to follow a model that gets faster or slower.
const KEEP: usize = 32;

/// How waits use the durations the client has seen for the same endpoint (see
/// [`crate::WaitOptions::learning`]).
///
/// With no sample yet, the [`crate::PollSchedule`] applies. With samples, the endpoint has
/// a window: from the earliest time one of its tasks was last seen unfinished to the latest
/// time one was first seen finished (a lone slow task is left out once there are 10
/// samples), widened while samples are few. The first query is made at the window's start,
/// then queries follow every `window / steps_per_window` (kept between `min_step` and
/// `max_step`) to its end. Past the window, the delay grows with how overdue the task is (a
/// quarter of the overdue time), up to `overdue_max` (and never past the schedule's `max`).
/// A task much faster than all its predecessors is noticed at the window's start, not
/// before. Once a wait has queried inside the window, a window that moves later (slower
/// siblings finishing) never makes it skip ahead again.
#[derive(Debug, Clone, PartialEq)]
pub struct Learning {
    /// The shortest delay between queries inside the window.
    pub min_step: Duration,
    /// The longest delay between queries inside the window.
    pub max_step: Duration,
    /// How many queries to spread over the window.
    pub steps_per_window: u32,
    /// The longest delay between queries once a task is past the window.
    pub overdue_max: Duration,
}

impl Default for Learning {
    /// 4 queries per window, each 0.5 s to 2 s apart; at most 5 s apart once overdue.
    fn default() -> Self {
        Learning {
            min_step: Duration::from_millis(500),
            max_step: Duration::from_secs(2),
            steps_per_window: 4,
            overdue_max: Duration::from_secs(5),
        }
    }
}

impl Learning {
    /// The delay before the next query of a wait in `state`, last queried `elapsed` into
    /// it, once its endpoint has a window; `fallback` is what the schedule would wait.
    pub(crate) fn next_delay(
        &self,
        elapsed: Duration,
        window: Window,
        state: WaitState,
        fallback: Duration,
        cap: Duration,
    ) -> Duration {
        let learned = self.delay(elapsed, window, state.entered, cap);
        if state.started_unlearned {
            learned.min(fallback)
        } else {
            learned
        }
    }

    /// The delay before the next query of a task last queried `elapsed` into its wait,
    /// given the window of its endpoint. `entered`: the wait has already queried inside a
    /// window, so it steps on rather than skip to a window that moved later. `cap` (the
    /// schedule's `max`) bounds the delay once the task is overdue, with `overdue_max`.
    pub(crate) fn delay(
        &self,
        elapsed: Duration,
        window: Window,
        entered: bool,
        cap: Duration,
    ) -> Duration {
        let width = window.hi.saturating_sub(window.lo);
        let step = (width / self.steps_per_window.max(1))
            .clamp(self.min_step, self.max_step.max(self.min_step));
        if elapsed < window.lo && !entered {
            window.lo - elapsed
        } else if elapsed < window.hi {
            step.min(window.hi - elapsed).max(self.min_step)
        } else {
            let cap = cap.min(self.overdue_max).max(step);
            ((elapsed - window.hi) / 4).clamp(step, cap)
        }
    }
}

/// Where one wait stands with what the client learned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct WaitState {
    /// The wait has queried inside the endpoint's window (as the window was then).
    pub entered: bool,
    /// The wait started before anything was learned for its endpoint, so it has been
    /// following the schedule: a window learned meanwhile may tighten its plan, never
    /// stretch it (its task may be among the first to finish).
    pub started_unlearned: bool,
}

/// Where the next task of an endpoint will likely finish, as times since its submit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Window {
    /// The earliest time a task of the endpoint was still seen unfinished.
    pub lo: Duration,
    /// The latest time a task of the endpoint was first seen finished.
    pub hi: Duration,
}

/// The samples of every endpoint, shared by the clones of a client.
#[derive(Debug, Default)]
pub(crate) struct DurationBook {
    samples: Mutex<HashMap<&'static str, VecDeque<Window>>>,
    recorded: tokio::sync::Notify,
}

impl DurationBook {
    /// Records a task of `operation` seen unfinished at `pending` and finished at `done`.
    /// A bracket wider than a tenth of the duration (as when the first query after a skip
    /// already found the task finished) is narrowed to that last tenth: the task finished
    /// earlier than expected, and the window moves earlier by a bounded step.
    pub(crate) fn record(&self, operation: &'static str, pending: Duration, done: Duration) {
        if done < pending || done.is_zero() {
            return;
        }
        let lo = pending.max(done - done / 10);
        let mut map = self.samples.lock().unwrap_or_else(|e| e.into_inner());
        let samples = map.entry(operation).or_default();
        if samples.len() == KEEP {
            samples.pop_front();
        }
        samples.push_back(Window { lo, hi: done });
        drop(map);
        self.recorded.notify_waiters();
    }

    /// Completes when the next sample is recorded, for any endpoint.
    pub(crate) fn changed(&self) -> tokio::sync::futures::Notified<'_> {
        self.recorded.notified()
    }

    /// The window of `operation`, if any task of it was recorded: from the earliest
    /// "still unfinished" time to the latest "finished" time. Once there are 10 samples or
    /// more, a finish beyond 1.5 interquartile ranges above the upper quartile (Tukey's
    /// fence) is left out, so one slow task does not stretch the window. The early side
    /// keeps every sample: starting too early only costs queries, while a window that starts
    /// too late makes every task faster than that wait for it. The few samples seen first
    /// understate the real spread, so the window is widened on each side by its width
    /// divided by `n - 1` (the expected gap between the extremes of `n` samples and those
    /// of the distribution), and at least by a fifth of its end divided by `n`.
    pub(crate) fn window(&self, operation: &str) -> Option<Window> {
        let map = self.samples.lock().unwrap_or_else(|e| e.into_inner());
        let samples = map.get(operation).filter(|s| !s.is_empty())?;
        let n = samples.len();
        let mut los: Vec<Duration> = samples.iter().map(|s| s.lo).collect();
        let mut his: Vec<Duration> = samples.iter().map(|s| s.hi).collect();
        drop(map);
        los.sort();
        his.sort();
        let (lo, hi) = (los[0], upper_inlier(&his));
        // At least a fifth of the duration shared among the samples: two samples that
        // happen to be close say little about the spread.
        let floor = hi / (5 * n as u32);
        let margin = match n {
            1 => floor,
            _ => (hi.saturating_sub(lo) / (n as u32 - 1)).max(floor),
        };
        Some(Window {
            lo: lo.saturating_sub(margin),
            hi: hi + margin,
        })
    }
}

/// The largest of `sorted` (ascending, not empty) within Tukey's upper fence (1.5
/// interquartile ranges above the upper quartile) once there are 10 values or more.
fn upper_inlier(sorted: &[Duration]) -> Duration {
    let n = sorted.len();
    let last = sorted[n - 1];
    if n < 10 {
        return last;
    }
    let (q1, q3) = (sorted[n / 4], sorted[(3 * n) / 4]);
    let fence = q3 + (q3 - q1) * 3 / 2;
    sorted
        .iter()
        .rev()
        .find(|&&d| d <= fence)
        .copied()
        .unwrap_or(last)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(secs: f64) -> Duration {
        Duration::from_secs_f64(secs)
    }

    fn window(lo: f64, hi: f64) -> Window {
        Window {
            lo: s(lo),
            hi: s(hi),
        }
    }

    #[test]
    fn the_window_spans_the_earliest_pending_and_the_latest_done() {
        let book = DurationBook::default();
        assert_eq!(book.window("op"), None);
        book.record("op", s(58.0), s(60.0));
        assert_eq!(
            book.window("op"),
            Some(window(46.0, 72.0)),
            "one sample: widened by a fifth of its end"
        );
        book.record("op", s(61.0), s(63.0));
        book.record("op", s(60.0), s(61.0));
        book.record("other", s(1.0), s(2.0));
        assert_eq!(
            book.window("op"),
            Some(window(53.8, 67.2)),
            "three samples spanning 58..63: widened by 63 / 15 (more than 5 / 2) on each side"
        );
    }

    #[test]
    fn loose_brackets_count_as_the_last_quarter_and_old_samples_go() {
        let book = DurationBook::default();
        // Inverted and empty samples teach nothing.
        book.record("op", s(5.0), s(4.0));
        book.record("op", s(0.0), s(0.0));
        assert_eq!(book.window("op"), None);
        // Seen pending at submit and done 20 s later: counted as finishing after 18 s.
        book.record("op", s(0.0), s(20.0));
        book.record("op", s(18.0), s(20.0));
        assert_eq!(book.window("op"), Some(window(16.0, 22.0)));
        for _ in 0..KEEP {
            book.record("op", s(10.0), s(11.0));
        }
        let w = book.window("op").unwrap();
        assert!(w.lo >= s(9.9) && w.hi <= s(11.1), "{w:?}");
    }

    #[test]
    fn one_odd_task_does_not_stretch_a_window_of_ten() {
        let book = DurationBook::default();
        for n in 0..9 {
            book.record("op", s(60.0 + n as f64), s(61.0 + n as f64));
        }
        book.record("op", s(300.0), s(301.0));
        // 60..69 once the outlier is fenced out, widened by 69 / 50 (more than 9 / 9) on
        // each side.
        assert_eq!(book.window("op"), Some(window(58.62, 70.38)));
        // An early task is not left out: the next ones are looked for from its time on.
        book.record("op", s(40.0), s(41.0));
        let w = book.window("op").unwrap();
        assert!(w.lo < s(40.0), "{w:?}");
    }

    #[test]
    fn the_whole_natural_spread_is_kept() {
        let book = DurationBook::default();
        // 32 tasks spread evenly over 510..690 s: the earliest are inside the window.
        for n in 0..32 {
            let done = 510.0 + 180.0 * f64::from(n) / 31.0;
            book.record("op", s(done - 1.0), s(done));
        }
        let w = book.window("op").unwrap();
        assert!(w.lo <= s(509.0), "{w:?}");
        assert!(w.hi >= s(690.0), "{w:?}");
    }

    #[test]
    fn delays_jump_to_the_window_then_step_then_back_off() {
        let l = Learning::default();
        let w = window(100.0, 104.0);
        let cap = s(10.0);
        // Before the window: straight to its start.
        assert_eq!(l.delay(s(1.0), w, false, cap), s(99.0));
        // Inside: a quarter of the window (1 s), within 0.5..2 s.
        assert_eq!(l.delay(s(100.0), w, false, cap), s(1.0));
        // Never past the end of the window by more than needed, never under min_step.
        assert_eq!(l.delay(s(103.8), w, false, cap), s(0.5));
        // Overdue: a quarter of the overdue time, at least the step, at most overdue_max
        // (5 s) or the schedule's max, whichever is less.
        assert_eq!(l.delay(s(106.0), w, false, cap), s(1.0));
        assert_eq!(l.delay(s(116.0), w, false, cap), s(3.0));
        assert_eq!(l.delay(s(500.0), w, false, cap), s(5.0));
        assert_eq!(l.delay(s(500.0), w, false, s(4.0)), s(4.0));
        // Wide windows are capped at max_step, narrow ones at min_step.
        let wide = window(500.0, 700.0);
        assert_eq!(l.delay(s(550.0), wide, false, cap), s(2.0));
        let narrow = window(10.0, 10.4);
        assert_eq!(l.delay(s(10.0), narrow, false, cap), s(0.5));
    }

    #[test]
    fn a_wait_that_started_unlearned_keeps_its_schedule_when_a_window_appears() {
        let l = Learning::default();
        let w = window(100.0, 110.0);
        let (fallback, cap) = (s(10.0), s(10.0));
        let fresh = WaitState {
            entered: false,
            started_unlearned: false,
        };
        // A wait started after the window was learned skips straight to it...
        assert_eq!(l.next_delay(s(20.0), w, fresh, fallback, cap), s(80.0));
        // ...one that was already polling on the schedule goes on doing so until then...
        let early = WaitState {
            started_unlearned: true,
            ..fresh
        };
        assert_eq!(l.next_delay(s(20.0), w, early, fallback, cap), s(10.0));
        // ...and steps through the window like the others.
        assert_eq!(l.next_delay(s(100.0), w, early, fallback, cap), s(2.0));
    }

    #[test]
    fn a_wait_inside_the_window_does_not_skip_when_the_window_moves_later() {
        let l = Learning::default();
        // The wait queried at 100 s inside 100..104; then slower siblings moved the window
        // to 110..118.
        let moved = window(110.0, 118.0);
        // A wait that never entered a window jumps to the new start...
        assert_eq!(l.delay(s(100.0), moved, false, s(10.0)), s(10.0));
        // ...one that did steps on (a quarter of 8 s, within 0.5..2 s).
        assert_eq!(l.delay(s(100.0), moved, true, s(10.0)), s(2.0));
    }
}
