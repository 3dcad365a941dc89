//! Schedule expansion: radiotherapy courses and snapshot requests become sorted times,
//! and a [`super::Protocol`] becomes one timeline of [`Event`]s.
//!
//! A repeating course has candidate times `start + i·every`, i = 0, 1, 2, …; with a
//! weekday filter a candidate is delivered only on a listed weekday, and `count` counts
//! delivered fractions. So 30 daily fractions Mon–Fri from a Monday end on day 39, the
//! Friday of week 6.

use super::duration::{format_duration, MINUTE_S};
use super::repeat::Repeat;
use super::schema::{RadiotherapySpec, ScheduleRef};
use super::weekday::day_clock;
use super::{Keys, Protocol, RadiotherapyItem};
use crate::Result;
use std::path::Path;

/// Times closer than this (s) are the same time.
pub(super) const SAME_TIME_S: f64 = 1e-6;

/// Most fractions in one course and most snapshots in one protocol.
pub(super) const MAX_COUNT: i64 = 100_000;

/// What happens at an event.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum EventKind {
    /// A radiotherapy fraction.
    Radiotherapy {
        /// Index into [`Protocol::radiotherapy`] (0-based, as in `radiotherapy[0]`).
        item: usize,
        /// Index of the fraction within its course (0-based).
        fraction: usize,
        /// Physical dose of the fraction (Gy).
        dose_gy: f64,
    },
    /// An intervention window opens (`open`) or closes.
    Window {
        /// Index into [`Protocol::windows`].
        item: usize,
        /// True when it opens.
        open: bool,
    },
    /// A drug dose (its infusion starts).
    Drug {
        /// Index into [`Protocol::drugs`].
        item: usize,
        /// Index of the dose within its course (0-based).
        dose: usize,
    },
}

/// One scheduled event.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Event {
    /// Simulated time (s from t = 0).
    pub(crate) time_s: f64,
    /// What happens.
    pub(crate) kind: EventKind,
}

/// All events of a protocol, sorted by time; events at the same time keep item order.
pub(super) fn events(p: &Protocol) -> Vec<Event> {
    let mut out: Vec<Event> = p
        .radiotherapy
        .iter()
        .enumerate()
        .flat_map(|(item, rt)| {
            rt.times_s
                .iter()
                .enumerate()
                .map(move |(fraction, &t)| Event {
                    time_s: t,
                    kind: EventKind::Radiotherapy {
                        item,
                        fraction,
                        dose_gy: rt.dose_gy,
                    },
                })
        })
        .collect();
    for (item, d) in p.drugs.iter().enumerate() {
        out.extend(d.times_s.iter().enumerate().map(|(dose, &t)| Event {
            time_s: t,
            kind: EventKind::Drug { item, dose },
        }));
    }
    for (item, w) in p.windows.iter().enumerate() {
        for (t, open) in [(w.start_s, true), (w.end_s, false)] {
            out.push(Event {
                time_s: t,
                kind: EventKind::Window { item, open },
            });
        }
    }
    // Stable: at one time, radiotherapy, drugs, then windows, each in file order.
    out.sort_by(|a, b| a.time_s.total_cmp(&b.time_s));
    out
}

/// Checks one `[[radiotherapy]]` table (index `i`) and expands its times.
pub(super) fn radiotherapy(
    keys: &Keys,
    i: usize,
    spec: &RadiotherapySpec,
    duration_s: f64,
    start_weekday: u8,
    base_dir: &Path,
) -> Result<RadiotherapyItem> {
    let key = |k: &str| format!("radiotherapy[{i}].{k}");
    let dose_gy = spec.dose_gy.ok_or_else(|| {
        keys.err(
            &key("dose_gy"),
            "is required: the physical dose of one fraction in Gy, e.g. 2",
        )
    })?;
    if !(dose_gy > 0.0 && dose_gy <= 100.0) {
        return Err(keys.err(
            &key("dose_gy"),
            format!("is {dose_gy}, must lie in (0, 100] Gy"),
        ));
    }
    let fraction_minutes = spec.fraction_minutes.unwrap_or(2.0);
    if !(fraction_minutes > 0.0 && fraction_minutes <= 600.0) {
        return Err(keys.err(
            &key("fraction_minutes"),
            format!("is {fraction_minutes}, must lie in (0, 600] minutes"),
        ));
    }
    let fraction_s = fraction_minutes * MINUTE_S;
    let times_s = course_times(
        keys,
        &format!("radiotherapy[{i}]"),
        "fraction",
        spec.schedule(),
        duration_s,
        start_weekday,
        fraction_s,
    )?;
    let dose_map_npy = spec.dose_map_npy.as_ref().map(|p| {
        if p.is_absolute() {
            p.clone()
        } else {
            base_dir.join(p)
        }
    });
    Ok(RadiotherapyItem {
        dose_gy,
        dose_map_npy,
        fraction_minutes,
        times_s,
    })
}

/// The delivery times of the course in table `table` (`radiotherapy[0]`, `drug[1]`),
/// whose deliveries are called `noun` and last `delivery_s` each: explicit (`at`) or
/// repeating, sorted, inside the duration, not overlapping.
pub(super) fn course_times(
    keys: &Keys,
    table: &str,
    noun: &str,
    spec: ScheduleRef,
    duration_s: f64,
    start_weekday: u8,
    delivery_s: f64,
) -> Result<Vec<f64>> {
    let key = |k: &str| format!("{table}.{k}");
    let at = keys.times(&key("at"), spec.at, spec.at_h)?;
    let start = keys.time(&key("start"), spec.start, spec.start_h)?;
    let every = keys.time(&key("every"), spec.every, spec.every_h)?;
    if let Some(at) = at {
        let mut others = vec![];
        for (given, k) in [
            (start.is_some(), "start"),
            (every.is_some(), "every"),
            (spec.count.is_some(), "count"),
            (spec.weekdays.is_some(), "weekdays"),
        ] {
            if given {
                others.push(format!("`{k}`"));
            }
        }
        if !others.is_empty() {
            return Err(keys.err(
                table,
                format!(
                    "has `at` and also {}: give explicit times with `at`, or a repeating course \
                     with `start`, `every`, `count` (and `weekdays`), not both",
                    others.join(" and ")
                ),
            ));
        }
        explicit(keys, table, noun, at, duration_s, delivery_s)
    } else {
        let schedule = Repeat {
            start: start.unwrap_or(0.0),
            every,
            fraction_s: delivery_s,
            duration_s,
            start_weekday,
        };
        schedule.expand(keys, table, noun, spec)
    }
}

/// `at` times: sorted, distinct, inside the duration, not overlapping.
fn explicit(
    keys: &Keys,
    table: &str,
    noun: &str,
    mut at: Vec<f64>,
    duration_s: f64,
    fraction_s: f64,
) -> Result<Vec<f64>> {
    let key = format!("{table}.at");
    if at.is_empty() {
        return Err(keys.err(&key, "is empty: list at least one time, e.g. at = [\"0h\"]"));
    }
    if let Some((j, &t)) = at
        .iter()
        .enumerate()
        .find(|(_, &t)| t > duration_s + SAME_TIME_S)
    {
        return Err(keys.err(
            &format!("{key}[{j}]"),
            format!(
                "{noun} {} is at {} ({}), after the duration ({}); lengthen `duration` \
                 to at least {} or drop the time",
                j + 1,
                format_duration(t),
                day_clock(t),
                format_duration(duration_s),
                format_duration(t),
            ),
        ));
    }
    at.sort_by(f64::total_cmp);
    if let Some(w) = at
        .windows(2)
        .find(|w| w[1] - w[0] < fraction_s - SAME_TIME_S)
    {
        return Err(keys.err(
            &key,
            format!(
                "has {noun}s at {} and {}, closer than the delivery time of one {noun} \
                 ({}): they would overlap",
                format_duration(w[0]),
                format_duration(w[1]),
                format_duration(fraction_s)
            ),
        ));
    }
    Ok(at)
}

/// Snapshot times: the listed ones (`"end"` = the duration) and multiples of
/// `snapshot_every` from 0, sorted and without repeats.
pub(super) fn snapshot_times(
    keys: &Keys,
    listed: Vec<f64>,
    every: Option<f64>,
    duration_s: f64,
) -> Result<Vec<f64>> {
    let mut times = listed;
    if let Some(every) = every {
        if every <= 0.0 {
            return Err(keys.err("snapshot_every", "must be > 0"));
        }
        let n = (duration_s / every + 1e-9).floor();
        if n >= MAX_COUNT as f64 {
            return Err(keys.err(
                "snapshot_every",
                format!(
                    "is {} over a duration of {}: {n} snapshots, more than {MAX_COUNT}; \
                     lengthen it",
                    format_duration(every),
                    format_duration(duration_s)
                ),
            ));
        }
        times.extend((0..=n as u64).map(|k| (k as f64 * every).min(duration_s)));
    }
    times.sort_by(f64::total_cmp);
    times.dedup_by(|b, a| (*b - *a).abs() <= SAME_TIME_S);
    Ok(times)
}
