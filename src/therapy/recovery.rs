//! What a protocol run that fails or is stopped tells its user: the simulated time it
//! reached, where its last checkpoint is, and how to continue from it.

use super::checkpoint;
use crate::Error;
use std::cell::Cell;
use std::path::Path;

/// A run's progress as far as recovery needs it.
#[derive(Debug, Default)]
pub(super) struct Track {
    /// Simulated time reached (s).
    pub(crate) now_s: Cell<f64>,
    /// Simulated time of the last checkpoint written (s).
    pub(crate) saved_s: Cell<Option<f64>>,
}

impl Track {
    /// How to continue, given the checkpoint folder.
    pub(crate) fn resume_hint(&self, dir: Option<&Path>) -> String {
        match (dir, self.saved_s.get()) {
            (Some(d), Some(t)) => format!(
                "the last checkpoint (t = {:.2} h) is {}: continue with the same command \
                 and --resume",
                t / 3600.0,
                d.join(checkpoint::FILE_NAME).display()
            ),
            (Some(_), None) => "no checkpoint had been written yet; run it again".into(),
            (None, _) => "this run keeps no checkpoints; run it again".into(),
        }
    }

    /// `e` with the simulated time, and for device failures how to continue.
    pub(crate) fn explain(&self, e: Error, dir: Option<&Path>) -> Error {
        let at = format!("protocol time t = {:.2} h", self.now_s.get() / 3600.0);
        match e {
            Error::DeviceLost(m) => Error::DeviceLost(format!(
                "{m} ({at}); {}, on a working device or with --backend cpu",
                self.resume_hint(dir)
            )),
            Error::Gpu(m) => Error::Gpu(format!("{m} ({at}); {}", self.resume_hint(dir))),
            Error::Numerical(m) => Error::Numerical(format!("{m} ({at})")),
            Error::NotConverged(m) => Error::NotConverged(format!("{m} ({at})")),
            other => other,
        }
    }
}
