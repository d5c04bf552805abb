//! Simulated durations and progress. A job's whole life is decided when it is created;
//! its state at any moment is computed from timestamps, so idle jobs cost nothing.

use crate::rng::Rng;

/// When a job leaves the queue and when it ends, in sandbox milliseconds.
#[derive(Clone, Debug, PartialEq)]
pub struct Schedule {
    /// Creation time.
    pub created_ms: u64,
    /// Processing starts (end of the queue phase).
    pub starts_ms: u64,
    /// The job reaches its terminal state.
    pub ends_ms: u64,
    /// Amplitude of the progress wobble, in `[0, 0.5)`.
    wobble_amplitude: f64,
    /// Number of wobble periods over the run.
    wobble_cycles: f64,
}

/// Spread of the lognormal generation time (sigma of its logarithm).
const DURATION_SIGMA: f64 = 0.35;

/// Seconds of a typical generation for each quality, before jitter (Apiframe: ~15 s average).
pub fn median_secs(quality: &str) -> f64 {
    match quality {
        "low" => 7.0,
        "medium" => 12.0,
        "high" => 20.0,
        _ => 17.0,
    }
}

/// A seeded generation time around `median` seconds, scaled by `time_scale`, in ms.
pub fn generation_ms(rng: &mut Rng, median: f64, time_scale: f64) -> u64 {
    let secs = median * (DURATION_SIGMA * rng.normal()).exp();
    let secs = secs.clamp(median * 0.3, median * 4.0);
    (secs * 1000.0 * time_scale).round() as u64
}

impl Schedule {
    /// Plans a job created at `now_ms`: a short queue phase, then a lognormal run around
    /// `median` seconds (a little longer for more images); a failing job stops part-way.
    pub fn plan(
        rng: &mut Rng,
        now_ms: u64,
        median: f64,
        images: u32,
        fails: bool,
        time_scale: f64,
    ) -> Schedule {
        let queue_secs = 0.3 + 1.2 * rng.unit();
        let queue_ms = (queue_secs * 1000.0 * time_scale).round() as u64;
        let per_image = 1.0 + 0.08 * f64::from(images.saturating_sub(1));
        let mut run_ms = generation_ms(rng, median * per_image, time_scale).max(1);
        let fail_fraction = 0.3 + 0.5 * rng.unit();
        if fails {
            run_ms = ((run_ms as f64) * fail_fraction).round().max(1.0) as u64;
        }
        let starts_ms = now_ms + queue_ms;
        Schedule {
            created_ms: now_ms,
            starts_ms,
            ends_ms: starts_ms + run_ms,
            wobble_amplitude: 0.45 * rng.unit(),
            wobble_cycles: 1.0 + rng.below(3) as f64,
        }
    }

    /// Whether the job has reached its terminal state at `now_ms`.
    pub fn is_over(&self, now_ms: u64) -> bool {
        now_ms >= self.ends_ms
    }

    /// Whether the job is still queued at `now_ms`.
    pub fn is_queued(&self, now_ms: u64) -> bool {
        now_ms < self.starts_ms
    }

    /// Progress 0..=99 while running: roughly linear in time with a seeded wobble, never
    /// decreasing (the warp `x + a sin(2πkx)/(2πk)` has slope `1 + a cos(..) > 0`).
    pub fn progress(&self, now_ms: u64) -> u8 {
        if now_ms <= self.starts_ms {
            return 0;
        }
        let run = (self.ends_ms - self.starts_ms).max(1) as f64;
        let x = ((now_ms.min(self.ends_ms) - self.starts_ms) as f64 / run).clamp(0.0, 1.0);
        let k = std::f64::consts::TAU * self.wobble_cycles;
        let warped = x + self.wobble_amplitude * (k * x).sin() / k;
        ((warped * 100.0).floor() as i64).clamp(0, 99) as u8
    }

    /// The moment progress is halfway through the run.
    pub fn midpoint_ms(&self) -> u64 {
        self.starts_ms + (self.ends_ms - self.starts_ms) / 2
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_rises_and_never_falls() {
        let mut rng = Rng::new(11);
        for _ in 0..200 {
            let s = Schedule::plan(&mut rng, 1000, 15.0, 1, false, 1.0);
            assert!(s.starts_ms > 1000 && s.ends_ms > s.starts_ms);
            let mut last = 0;
            for t in (s.starts_ms..s.ends_ms).step_by(37) {
                let p = s.progress(t);
                assert!(p >= last && p <= 99);
                last = p;
            }
            assert!(last >= 90, "progress near the end was {last}");
        }
    }

    #[test]
    fn durations_centre_on_the_median_and_scale() {
        let mut rng = Rng::new(5);
        let n = 2000;
        let total: u64 = (0..n).map(|_| generation_ms(&mut rng, 15.0, 1.0)).sum();
        let mean = total as f64 / n as f64 / 1000.0;
        assert!((13.0..18.0).contains(&mean), "mean {mean}");
        let scaled = generation_ms(&mut rng, 15.0, 0.01);
        assert!(scaled <= 600, "{scaled}");
    }

    #[test]
    fn failing_jobs_end_earlier() {
        let a = Schedule::plan(&mut Rng::new(2), 0, 15.0, 1, false, 1.0);
        let b = Schedule::plan(&mut Rng::new(2), 0, 15.0, 1, true, 1.0);
        assert!(b.ends_ms < a.ends_ms);
    }
}
