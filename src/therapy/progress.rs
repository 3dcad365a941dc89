//! Progress of a protocol run: a one-line bar with the simulated time and an ETA on a
//! terminal, plain log lines otherwise (batch jobs, redirected output).

use std::io::{IsTerminal, Write};
use std::time::Instant;

/// Reports progress after each step.
#[derive(Debug)]
pub(crate) struct Progress {
    duration_s: f64,
    started: Instant,
    attended: bool,
}

impl Progress {
    /// A reporter for a protocol of `duration_s` simulated seconds; a bar when stderr
    /// is a terminal and the log shows information.
    pub(crate) fn new(duration_s: f64) -> Self {
        Progress {
            duration_s,
            started: Instant::now(),
            attended: std::io::stderr().is_terminal() && log::log_enabled!(log::Level::Info),
        }
    }

    /// After the step ending at `t_s`: `line` describes the state.
    pub(crate) fn step(&self, t_s: f64, line: &str) {
        let done = (t_s / self.duration_s).clamp(0.0, 1.0);
        if !self.attended {
            log::info!("t = {:.1} h ({:.0} %): {line}", t_s / 3600.0, 100.0 * done);
            return;
        }
        let elapsed = self.started.elapsed().as_secs_f64();
        let eta = if done > 0.0 {
            elapsed * (1.0 - done) / done
        } else {
            0.0
        };
        let width = 30;
        let filled = (done * width as f64).round() as usize;
        let mut err = std::io::stderr().lock();
        let _ = write!(
            err,
            "\r[{}{}] {:>7.1} / {:.1} h  ETA {:>5.0} s  {line}\x1b[K",
            "#".repeat(filled),
            "-".repeat(width - filled),
            t_s / 3600.0,
            self.duration_s / 3600.0,
            eta
        );
        if done >= 1.0 {
            let _ = writeln!(err);
        }
        let _ = err.flush();
    }
}
