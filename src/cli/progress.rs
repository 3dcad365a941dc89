//! The progress bar of `oxyfield run` (with a protocol) and `oxyfield batch`, on
//! indicatif: one line on stderr, only when stderr is a terminal and the log shows
//! information (not with `-q`). Otherwise there is no bar and nothing of it is
//! printed: a protocol run logs a line per step instead (the library's default), a
//! batch a line per scenario.
//!
//! Log lines print above the bar ([`suspend`], which the logger calls). The bar is
//! cleared when dropped, so that an error, a Ctrl-C or the command's own last lines
//! never follow a half-drawn line.

use indicatif::{FormattedDuration, ProgressBar, ProgressDrawTarget, ProgressStyle};
use oxyfield::therapy::progress::Progress;
use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::Duration;

/// The bar on screen, for [`suspend`].
static SHOWN: Mutex<Option<ProgressBar>> = Mutex::new(None);

/// How often the bar redraws between updates (its elapsed time moves on).
const TICK: Duration = Duration::from_secs(1);

/// A bar on stderr, cleared when dropped.
#[derive(Debug)]
pub struct Bar {
    bar: ProgressBar,
    /// A protocol run's first report: simulated time (s) and the bar's elapsed time
    /// then, the origin of its ETA (a resumed run starts past t = 0, and settling
    /// before the first step is not the steps' pace).
    origin: Mutex<Option<(f64, Duration)>>,
}

/// True when a bar is to be drawn: stderr is a terminal and `info` lines show.
fn attended() -> bool {
    std::io::stderr().is_terminal() && log::log_enabled!(log::Level::Info)
}

impl Bar {
    /// A bar over a protocol of `duration_s` simulated seconds (a position a second),
    /// fed by [`Bar::protocol`]; none when not [`attended`].
    pub fn for_protocol(duration_s: f64) -> Option<Bar> {
        Bar::show(
            duration_s.round() as u64,
            "{elapsed_precise} [{bar:30}] {wide_msg}",
        )
    }

    /// A bar over `total` scenarios, fed by [`Bar::scenario`]; none when not
    /// [`attended`].
    pub fn for_batch(total: usize) -> Option<Bar> {
        Bar::show(
            total as u64,
            "{elapsed_precise} [{bar:24}] {pos}/{len} {wide_msg}",
        )
    }

    /// A bar of `len` positions drawn as `template` says, shown at once (until the
    /// first report, as "starting").
    fn show(len: u64, template: &str) -> Option<Bar> {
        if !attended() {
            return None;
        }
        let style = ProgressStyle::with_template(template)
            .expect("the bar templates are valid")
            .progress_chars("#>-");
        let bar = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr())
            .with_style(style)
            .with_message("starting");
        bar.enable_steady_tick(TICK);
        *SHOWN.lock().unwrap_or_else(|p| p.into_inner()) = Some(bar.clone());
        Some(Bar {
            bar,
            origin: Mutex::new(None),
        })
    }

    /// A protocol run's report: simulated time and total (h), ETA, its status line.
    pub fn protocol(&self, p: Progress<'_>) {
        let elapsed = self.bar.elapsed();
        let (t0, at) = *self
            .origin
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get_or_insert((p.time_s, elapsed));
        let eta = (p.time_s > t0).then(|| {
            (elapsed - at).as_secs_f64() * (p.duration_s - p.time_s).max(0.0) / (p.time_s - t0)
        });
        self.bar.set_position(p.time_s.round() as u64);
        self.bar.set_message(format!(
            "{:.1} / {:.1} h  ETA {}  {}",
            p.time_s / 3600.0,
            p.duration_s / 3600.0,
            eta_text(eta),
            p.status
        ));
    }

    /// A batch's report as a scenario starts: `done` of the bar's scenarios finished,
    /// ETA, `label` the one starting.
    pub fn scenario(&self, done: usize, label: &str) {
        let total = self.bar.length().unwrap_or(0) as usize;
        let eta = (done > 0).then(|| {
            self.bar.elapsed().as_secs_f64() * total.saturating_sub(done) as f64 / done as f64
        });
        self.bar.set_position(done as u64);
        self.bar
            .set_message(format!("ETA {}  {label}", eta_text(eta)));
    }
}

impl Drop for Bar {
    fn drop(&mut self) {
        self.bar.finish_and_clear();
        *SHOWN.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }
}

/// An ETA of `eta` seconds as the elapsed time shows (`HH:MM:SS`), `-` while unknown
/// (or not a time).
fn eta_text(eta: Option<f64>) -> String {
    match eta.and_then(|s| Duration::try_from_secs_f64(s).ok()) {
        Some(d) => FormattedDuration(d).to_string(),
        None => "-".to_string(),
    }
}

/// Runs `f` (which prints) with the bar, if one is shown, lifted off the screen and
/// redrawn below after.
pub fn suspend<R>(f: impl FnOnce() -> R) -> R {
    let shown = SHOWN.lock().unwrap_or_else(|p| p.into_inner()).clone();
    match shown {
        Some(bar) => bar.suspend(f),
        None => f(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eta_reads_like_the_elapsed_time() {
        assert_eq!(eta_text(None), "-");
        assert_eq!(eta_text(Some(3725.7)), "01:02:05");
        assert_eq!(eta_text(Some(f64::NAN)), "-");
        assert_eq!(eta_text(Some(f64::INFINITY)), "-");
    }

    #[test]
    fn no_bar_without_a_terminal() {
        // No logger is installed under `cargo test`: `info` lines do not show.
        assert!(Bar::for_protocol(3600.0).is_none());
        assert!(Bar::for_batch(3).is_none());
        assert_eq!(suspend(|| 7), 7);
    }
}
