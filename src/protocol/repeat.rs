//! Repeating courses (radiotherapy fractions, drug doses): candidate times
//! `start + i·every`, kept where the weekday filter allows, until `count` are delivered; with errors that say
//! where a fraction that does not fit would have fallen, or why a filter never matches.

use super::duration::{format_duration, WEEK_S};
use super::schedule::{MAX_COUNT, SAME_TIME_S};
use super::schema::{ScheduleRef, WeekdaysSpec};
use super::weekday::{add_weekdays, day_clock, weekday_list, weekday_of, WEEKDAY_NAMES};
use super::Keys;
use crate::Result;

/// Most candidate times one course may scan, so that a tiny `every` over a long duration
/// fails with a message instead of stalling.
const MAX_CANDIDATES: f64 = 1e7;

/// A repeating course: `start + i·every`, filtered by weekday.
pub(super) struct Repeat {
    pub(super) start: f64,
    pub(super) every: Option<f64>,
    pub(super) fraction_s: f64,
    pub(super) duration_s: f64,
    pub(super) start_weekday: u8,
}

impl Repeat {
    /// The times of the course in table `table` (e.g. `radiotherapy[0]`), whose
    /// deliveries are called `noun` in messages (`fraction`, `dose`).
    pub(super) fn expand(
        &self,
        keys: &Keys,
        table: &str,
        noun: &str,
        spec: ScheduleRef,
    ) -> Result<Vec<f64>> {
        let key = |k: &str| format!("{table}.{k}");
        let count = match (spec.count, self.every) {
            (None, None) => {
                return Err(keys.err(
                    table,
                    format!(
                        "says neither when nor how often: give `count` and `every` \
                         (e.g. count = 30, every = \"1d\"), `count = 1` for a single {noun} \
                         at `start`, or explicit times with `at`"
                    ),
                ))
            }
            (None, Some(_)) => {
                return Err(keys.err(
                    &key("every"),
                    format!("needs `count`: the number of {noun}s to give"),
                ))
            }
            (Some(n), _) if !(1..=MAX_COUNT).contains(&n) => {
                return Err(keys.err(&key("count"), format!("is {n}, must lie in 1–{MAX_COUNT}")))
            }
            (Some(n), None) if n > 1 => {
                return Err(keys.err(
                    &key("count"),
                    format!("is {n} but `every` is missing: say how far apart the {noun}s are"),
                ))
            }
            (Some(n), _) => n as usize,
        };
        let filter = match &spec.weekdays {
            None => None,
            Some(w) => {
                if self.every.is_none() {
                    return Err(keys.err(
                        &key("weekdays"),
                        "needs `every`: the filter picks among the times start + i·every",
                    ));
                }
                Some(weekday_set(w).map_err(|e| keys.err(&key("weekdays"), e))?)
            }
        };
        // A single fraction without `every` has one candidate; any step past the
        // duration does for the scan below.
        let every = self.every.unwrap_or(self.duration_s.max(1.0));
        if self.every.is_some() && every < self.fraction_s - SAME_TIME_S {
            return Err(keys.err(
                &key("every"),
                format!(
                    "is {}, shorter than the delivery time of one {noun} ({}): they would \
                     overlap",
                    format_duration(every),
                    format_duration(self.fraction_s)
                ),
            ));
        }
        if (self.duration_s - self.start) / every > MAX_CANDIDATES {
            return Err(keys.err(
                &key("every"),
                format!(
                    "is {} over a duration of {}: more than {MAX_CANDIDATES:e} candidate \
                     times; lengthen `every`",
                    format_duration(every),
                    format_duration(self.duration_s)
                ),
            ));
        }
        let delivered =
            |t: f64| filter.is_none_or(|f| f[weekday_of(t, self.start_weekday) as usize]);
        let mut seen = [false; 7];
        let mut times = Vec::with_capacity(count);
        let mut n = 0u64;
        loop {
            let t = self.start + n as f64 * every;
            if t > self.duration_s + SAME_TIME_S {
                break;
            }
            seen[weekday_of(t, self.start_weekday) as usize] = true;
            if delivered(t) {
                times.push(t);
                if times.len() == count {
                    return Ok(times);
                }
            }
            n += 1;
        }
        // Too few fit. Scan on past the duration to say where the next and the last
        // fraction would fall; give up after a week of candidates (at least 1000) without
        // a match, which is how a filter that never matches shows itself.
        let patience = ((WEEK_S / every).ceil() as u64 + 7).max(1000);
        let (mut next, mut last, mut found, mut misses) = (None, None, times.len(), 0);
        let stop = n + MAX_CANDIDATES as u64;
        while found < count && misses < patience && n < stop {
            let t = self.start + n as f64 * every;
            seen[weekday_of(t, self.start_weekday) as usize] = true;
            if delivered(t) {
                found += 1;
                misses = 0;
                next = next.or(Some(t));
                last = Some(t);
            } else {
                misses += 1;
            }
            n += 1;
        }
        let k = times.len() + 1;
        match (next, filter) {
            (Some(t), _) => {
                let lengthen = match last {
                    Some(l) if found == count => format!(
                        "lengthen `duration` to at least {} (the last {noun} would be at {}), or lower `count`",
                        format_duration(l),
                        day_clock(l)
                    ),
                    _ => "lengthen `duration` or lower `count`".into(),
                };
                Err(keys.err(
                    table,
                    format!(
                        "{noun} {k} of {count} would fall at {} ({}, {}), after the \
                         duration ({}); {lengthen}",
                        format_duration(t),
                        day_clock(t),
                        WEEKDAY_NAMES[weekday_of(t, self.start_weekday) as usize],
                        format_duration(self.duration_s)
                    ),
                ))
            }
            (None, Some(f)) if times.is_empty() => Err(keys.err(
                &key("weekdays"),
                format!(
                    "never matches: the candidate times start + i·every ({} + i·{}) fall \
                     on {} only, and the filter allows {}",
                    format_duration(self.start),
                    format_duration(every),
                    weekday_list(&seen),
                    weekday_list(&f)
                ),
            )),
            (None, _) => Err(keys.err(
                table,
                format!(
                    "only {} of {count} {noun}s fit before the duration ({}); lengthen \
                     `duration` or lower `count`",
                    times.len(),
                    format_duration(self.duration_s)
                ),
            )),
        }
    }
}

/// The days a `weekdays` value allows.
fn weekday_set(w: &WeekdaysSpec) -> std::result::Result<[bool; 7], String> {
    let mut set = [false; 7];
    match w {
        WeekdaysSpec::Text(t) => add_weekdays(t, &mut set)?,
        WeekdaysSpec::List(list) => {
            if list.is_empty() {
                return Err("is an empty list: name at least one day, e.g. [\"mon\"]".into());
            }
            for t in list {
                add_weekdays(t, &mut set)?;
            }
        }
    }
    Ok(set)
}
