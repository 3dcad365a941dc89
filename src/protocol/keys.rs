//! Reading keys for [`super::Protocol`]: errors that name the file and the key, and time
//! keys with their `_h` (hours) twins.

use super::duration::{format_duration, parse_duration, HOUR_S};
use super::schema::{DurationText, ProtocolFile};
use super::{schedule, MAX_DURATION_S};
use crate::{Error, Result};

/// Error context: the file, and the reading of time keys with their `_h` twins.
pub(super) struct Keys<'a> {
    pub(super) origin: &'a str,
}

impl Keys<'_> {
    /// An input error about `key` in this file.
    pub(super) fn err(&self, key: &str, msg: impl std::fmt::Display) -> Error {
        Error::input(self.origin, format!("`{key}`: {msg}"))
    }

    /// Reads `key` (a duration text) or `key_h` (hours) into seconds; both is an error.
    pub(super) fn time(
        &self,
        key: &str,
        text: Option<&DurationText>,
        hours: Option<f64>,
    ) -> Result<Option<f64>> {
        match (text, hours) {
            (Some(_), Some(_)) => Err(self.both(key)),
            (Some(t), None) => Ok(Some(self.duration(key, t)?)),
            (None, Some(h)) => Ok(Some(self.hours(&format!("{key}_h"), h)?)),
            (None, None) => Ok(None),
        }
    }

    /// Reads a list of times, `key` or `key_h`, as [`Keys::time`] does one.
    pub(super) fn times(
        &self,
        key: &str,
        texts: Option<&[DurationText]>,
        hours: Option<&[f64]>,
    ) -> Result<Option<Vec<f64>>> {
        match (texts, hours) {
            (Some(_), Some(_)) => Err(self.both(key)),
            (Some(ts), None) => ts
                .iter()
                .enumerate()
                .map(|(j, t)| self.duration(&format!("{key}[{j}]"), t))
                .collect::<Result<Vec<_>>>()
                .map(Some),
            (None, Some(hs)) => hs
                .iter()
                .enumerate()
                .map(|(j, &h)| self.hours(&format!("{key}_h[{j}]"), h))
                .collect::<Result<Vec<_>>>()
                .map(Some),
            (None, None) => Ok(None),
        }
    }

    /// `snapshots` / `snapshots_h`, with `"end"` as the duration; all within it.
    pub(super) fn snapshot_list(&self, spec: &ProtocolFile, duration_s: f64) -> Result<Vec<f64>> {
        if spec.snapshots.is_some() && spec.snapshots_h.is_some() {
            return Err(self.both("snapshots"));
        }
        let mut out = Vec::new();
        for (j, t) in spec.snapshots.iter().flatten().enumerate() {
            let key = format!("snapshots[{j}]");
            if t.0.trim().eq_ignore_ascii_case("end") {
                out.push(duration_s);
                continue;
            }
            out.push(self.duration(&key, t).map_err(|e| match e {
                Error::Input { file, message } => Error::Input {
                    file,
                    message: format!("{message}, or \"end\" for the end of the run"),
                },
                other => other,
            })?);
        }
        for (j, &h) in spec.snapshots_h.iter().flatten().enumerate() {
            out.push(self.hours(&format!("snapshots_h[{j}]"), h)?);
        }
        if let Some((j, &t)) = out
            .iter()
            .enumerate()
            .find(|(_, &t)| t > duration_s + schedule::SAME_TIME_S)
        {
            let key = if spec.snapshots.is_some() {
                "snapshots"
            } else {
                "snapshots_h"
            };
            return Err(self.err(
                &format!("{key}[{j}]"),
                format!(
                    "is {}, after the duration ({}); lengthen `duration` or use \"end\"",
                    format_duration(t),
                    format_duration(duration_s)
                ),
            ));
        }
        Ok(out)
    }

    fn duration(&self, key: &str, t: &DurationText) -> Result<f64> {
        parse_duration(&t.0).map_err(|e| self.err(key, e))
    }

    fn hours(&self, key: &str, h: f64) -> Result<f64> {
        if h.is_finite() && h >= 0.0 && h * HOUR_S <= MAX_DURATION_S {
            Ok(h * HOUR_S)
        } else {
            Err(self.err(
                key,
                format!(
                    "is {h}, must be a number of hours from 0 to {:.0} (about 31 years)",
                    MAX_DURATION_S / HOUR_S
                ),
            ))
        }
    }

    fn both(&self, key: &str) -> Error {
        self.err(
            key,
            format!(
                "is given twice, as `{key}` and as `{key}_h`: keep one (`{key}` takes a text \
                 such as \"36h\", `{key}_h` a number of hours)"
            ),
        )
    }
}
