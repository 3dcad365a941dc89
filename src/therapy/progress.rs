//! How far a protocol run is: a [`Progress`] to the observer in
//! [`super::RunOptions::progress`] as the step loop starts and after every step (the
//! binary draws its terminal bar from these), or without an observer one `info` log
//! line per step (batch jobs, redirected output, library users).

use std::fmt;

/// Where a protocol run is.
#[derive(Debug, Clone, Copy)]
pub struct Progress<'a> {
    /// Simulated time reached (s).
    pub time_s: f64,
    /// The protocol's duration (s).
    pub duration_s: f64,
    /// The state at `time_s` in a few words; empty as the step loop starts.
    pub status: &'a str,
}

/// Who hears of a run's progress: none (the default) logs a line per step instead.
#[derive(Clone, Copy, Default)]
pub struct OnProgress<'a>(Option<&'a dyn Fn(Progress<'_>)>);

impl<'a> OnProgress<'a> {
    /// Calls `observer` with each [`Progress`] (and logs none).
    pub fn new(observer: &'a dyn Fn(Progress<'_>)) -> Self {
        OnProgress(Some(observer))
    }

    /// As the step loop starts at `t_s` (a resumed run past t = 0): tells the observer,
    /// logs nothing.
    pub(super) fn start(&self, t_s: f64, duration_s: f64) {
        if let Some(f) = self.0 {
            f(Progress {
                time_s: t_s,
                duration_s,
                status: "",
            });
        }
    }

    /// After the step ending at `t_s`: `status` describes the state.
    pub(super) fn step(&self, t_s: f64, duration_s: f64, status: &str) {
        match self.0 {
            Some(f) => f(Progress {
                time_s: t_s,
                duration_s,
                status,
            }),
            None => {
                let done = (t_s / duration_s).clamp(0.0, 1.0);
                log::info!(
                    "t = {:.1} h ({:.0} %): {status}",
                    t_s / 3600.0,
                    100.0 * done
                );
            }
        }
    }
}

impl fmt::Debug for OnProgress<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self.0 {
            Some(_) => "OnProgress(observer)",
            None => "OnProgress(log)",
        })
    }
}
