//! When to poll and when to retry: pure functions of what is known.
//!
//! Polling is planned from the job's expected duration (learned from earlier
//! jobs, else the provider's typical time) and, once the provider reports
//! progress, from the rate at which progress rises: the next poll is placed
//! where the job should finish. Past that point the client polls briskly, then
//! backs off. Fixed 2-second loops spend requests early and see results late.

/// Fastest the planner polls one job.
pub const MIN_POLL_MS: f64 = 400.0;
/// Slowest the planner polls one job.
pub const MAX_POLL_MS: f64 = 10_000.0;
/// Aim this long after the predicted finish, so one poll usually suffices.
pub const FINISH_MARGIN_MS: f64 = 250.0;

/// Plans the polls of one job.
#[derive(Clone, Debug)]
pub struct PollPlanner {
    expected_ms: f64,
    submitted_at: f64,
    reports_progress: bool,
    last: Option<(f64, u8)>,
    first_progress: Option<(f64, u8)>,
    overdue_polls: u32,
    blind_polls: u32,
}

impl PollPlanner {
    /// A planner for a job submitted at `submitted_at` (epoch ms) that
    /// usually takes `expected_ms`, from a provider that does or does not
    /// report progress.
    pub fn new(expected_ms: f64, submitted_at: f64, reports_progress: bool) -> PollPlanner {
        PollPlanner {
            expected_ms: expected_ms.max(MIN_POLL_MS),
            submitted_at,
            reports_progress,
            last: None,
            first_progress: None,
            overdue_polls: 0,
            blind_polls: 0,
        }
    }

    /// How long to wait before the first poll, at `now`: early enough to read
    /// progress while it can still refine the plan; without progress, where
    /// the fastest jobs start to finish.
    pub fn first_delay(&self, now: f64) -> f64 {
        let share = if self.reports_progress { 0.6 } else { 0.7 };
        let at = self.submitted_at + share * self.expected_ms;
        (at - now).clamp(0.0, MAX_POLL_MS)
    }

    /// Predicted finish time (epoch ms), from progress when there is any.
    pub fn predicted_finish(&self) -> f64 {
        let by_prior = self.submitted_at + self.expected_ms;
        let (Some((t1, p1)), Some((t0, p0))) = (self.last, self.first_progress) else {
            return by_prior;
        };
        if p1 >= 100 {
            return t1;
        }
        let rate = if p1 > p0 && t1 > t0 {
            f64::from(p1 - p0) / (t1 - t0)
        } else if p1 > 0 {
            // One reading: assume progress rose evenly since submission.
            f64::from(p1) / (t1 - self.submitted_at).max(1.0)
        } else {
            return by_prior.max(t1 + 0.5 * self.expected_ms);
        };
        t1 + f64::from(100 - p1) / rate
    }

    /// How long to wait before the next poll, given what the last poll saw.
    pub fn next_delay(&mut self, now: f64, progress: Option<u8>) -> f64 {
        if let Some(p) = progress.filter(|p| *p > 0) {
            if self.first_progress.is_none() {
                self.first_progress = Some((now, p));
            }
            self.last = Some((now, p));
        }
        if !self.reports_progress && self.last.is_none() {
            // Nothing to predict from: polls spaced by a share of the expected
            // duration, slowly widening (tuned on lognormal durations: fewer
            // requests and lower latency than a fixed 2 s x1.5 schedule).
            let delay = 0.12 * self.expected_ms * 1.1f64.powi(self.blind_polls.min(40) as i32);
            self.blind_polls += 1;
            return delay.clamp(MIN_POLL_MS, 5_000.0);
        }
        let finish = self.predicted_finish() + FINISH_MARGIN_MS;
        if finish > now + MIN_POLL_MS {
            self.overdue_polls = 0;
            return (finish - now).clamp(MIN_POLL_MS, MAX_POLL_MS);
        }
        // Overdue: poll briskly, then back off gently.
        let base = (0.06 * self.expected_ms).clamp(MIN_POLL_MS, 2_000.0);
        let delay = base * 1.4f64.powi(self.overdue_polls.min(12) as i32);
        self.overdue_polls += 1;
        delay.clamp(MIN_POLL_MS, MAX_POLL_MS)
    }
}

/// Observations kept per kind of job.
const MEMORY_SIZE: usize = 32;

/// Remembers how long jobs took, per kind of job, to plan the next ones: the
/// median of the last 32. (Concurrent jobs are recorded in the order they
/// finish, longest last, so a moving average would drift towards the tail.)
#[derive(Clone, Debug, Default)]
pub struct DurationMemory {
    entries: Vec<(String, Vec<f64>)>,
}

impl DurationMemory {
    /// The remembered duration for `kind`, if any.
    pub fn get(&self, kind: &str) -> Option<f64> {
        let (_, seen) = self.entries.iter().find(|(k, _)| k == kind)?;
        // The median by counting (at most 32 values: no sort code needed).
        let half = seen.len() / 2;
        seen.iter().copied().find(|x| {
            let below = seen.iter().filter(|y| *y < x).count();
            let equal = seen.iter().filter(|y| *y == x).count();
            below <= half && half < below + equal
        })
    }

    /// Add one observed duration.
    pub fn record(&mut self, kind: &str, duration_ms: f64) {
        if !(duration_ms.is_finite() && duration_ms > 0.0) {
            return;
        }
        match self.entries.iter_mut().find(|(k, _)| k == kind) {
            Some((_, seen)) => {
                if seen.len() == MEMORY_SIZE {
                    seen.remove(0);
                }
                seen.push(duration_ms);
            }
            None => self.entries.push((kind.to_string(), vec![duration_ms])),
        }
    }
}

/// Base of the exponential retry backoff.
pub const RETRY_BASE_MS: f64 = 500.0;
/// Cap of the exponential retry backoff.
pub const RETRY_CAP_MS: f64 = 8_000.0;

/// The wait before retry number `attempt` (0-based): full jitter over an
/// exponential window, and never less than the provider's `Retry-After`.
pub fn retry_delay(attempt: u32, retry_after_ms: Option<u64>, random: f64) -> f64 {
    let window = (RETRY_BASE_MS * 2f64.powi(attempt.min(16) as i32)).min(RETRY_CAP_MS);
    let jitter = window * random.clamp(0.0, 1.0);
    match retry_after_ms {
        // Honour Retry-After, spread by up to 10% so clients do not return in step.
        Some(ra) => ra as f64 * (1.0 + 0.1 * random.clamp(0.0, 1.0)),
        None => jitter.max(50.0),
    }
}

/// Apiframe's official SDK schedule (for comparison in benchmarks): polls at
/// 0, 2, 5, 9.5, 14.5 ... seconds (2 s, x1.5, capped at 5 s).
pub fn apiframe_sdk_poll_times(until_ms: f64) -> Vec<f64> {
    let mut out = vec![0.0];
    let (mut t, mut step) = (0.0, 2_000.0);
    while t < until_ms {
        t += step;
        out.push(t);
        step = (step * 1.5f64).min(5_000.0);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Simulate polling a job that finishes at `finish` with linear progress
    /// after a queue of `queue` ms: returns (polls, latency after finishing).
    fn simulate(expected: f64, queue: f64, finish: f64, reports_progress: bool) -> (u32, f64) {
        let mut p = PollPlanner::new(expected, 0.0, reports_progress);
        let mut now = p.first_delay(0.0);
        let mut polls = 0;
        loop {
            polls += 1;
            if now >= finish {
                return (polls, now - finish);
            }
            let progress = (reports_progress && now > queue)
                .then(|| (100.0 * (now - queue) / (finish - queue)).min(99.0) as u8);
            now += p.next_delay(now, progress);
            assert!(polls < 100, "runaway polling");
        }
    }

    #[test]
    fn progress_lets_one_or_two_polls_land_just_after_the_finish() {
        for finish in [9_000.0, 12_000.0, 15_000.0, 20_000.0, 28_000.0] {
            let (polls, latency) = simulate(15_000.0, 500.0, finish, true);
            assert!(polls <= 4, "{finish}: {polls} polls");
            assert!(latency <= 1_500.0, "{finish}: {latency} ms late");
        }
    }

    #[test]
    fn without_progress_polling_still_converges() {
        for finish in [5_000.0, 15_000.0, 40_000.0, 120_000.0] {
            let (polls, latency) = simulate(15_000.0, 0.0, finish, false);
            // Spaced by a share of the expected time, widening to 5 s at most.
            let bound = 8 + (finish / 5_000.0) as u32;
            assert!(polls <= bound, "{finish}: {polls} polls");
            assert!(latency <= MAX_POLL_MS, "{finish}: {latency} ms late");
        }
    }

    #[test]
    fn delays_stay_within_bounds() {
        let mut p = PollPlanner::new(1.0, 0.0, true);
        for i in 0..50 {
            let d = p.next_delay(i as f64 * 1000.0, None);
            assert!((MIN_POLL_MS..=MAX_POLL_MS).contains(&d), "{d}");
        }
    }

    #[test]
    fn retry_delays_honour_retry_after_and_grow() {
        assert!(retry_delay(0, Some(2_000), 0.5) >= 2_000.0);
        assert!(retry_delay(0, Some(2_000), 0.99) <= 2_200.0);
        assert!(retry_delay(0, None, 1.0) <= RETRY_BASE_MS);
        assert!(retry_delay(3, None, 1.0) <= 4_000.0 && retry_delay(3, None, 1.0) > 2_000.0);
        assert!(retry_delay(30, None, 1.0) <= RETRY_CAP_MS);
        assert!(retry_delay(0, None, 0.0) >= 50.0);
    }

    #[test]
    fn duration_memory_keeps_the_median_of_recent_jobs() {
        let mut m = DurationMemory::default();
        assert_eq!(m.get("apiframe/high"), None);
        // Jobs that ran together are recorded shortest first: the median is not
        // pulled towards the last (longest) ones.
        for d in [
            9_000.0, 12_000.0, 14_000.0, 15_000.0, 40_000.0, 60_000.0, 90_000.0,
        ] {
            m.record("apiframe/high", d);
        }
        assert_eq!(m.get("apiframe/high"), Some(15_000.0));
        m.record("apiframe/high", f64::NAN);
        assert_eq!(m.get("apiframe/high"), Some(15_000.0));
        for _ in 0..40 {
            m.record("apiframe/high", 1_000.0);
        }
        assert_eq!(
            m.get("apiframe/high"),
            Some(1_000.0),
            "only the last 32 count"
        );
    }

    #[test]
    fn sdk_schedule_matches_the_documented_times() {
        assert_eq!(
            apiframe_sdk_poll_times(20_000.0),
            [0.0, 2_000.0, 5_000.0, 9_500.0, 14_500.0, 19_500.0, 24_500.0]
        );
    }
}
