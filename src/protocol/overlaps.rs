//! What a protocol says when items overlap in time (docs/model.md, "Protocol
//! semantics"):
//! - radiotherapy fractions of different courses that start together are one fraction
//!   (the doses add per voxel, one LQ hit); fractions that overlap without starting
//!   together are refused, naming both;
//! - `[[normalisation]]` windows must not overlap (each prunes vessels when it opens,
//!   and their factors would multiply): refused, naming both;
//! - overlapping windows of the other kinds combine (HIF targets scaled by each
//!   inhibitor, extra ROS added, blocks and rises multiplied), and `oxyfield check`
//!   says so ([`notes`]).

use super::duration::format_duration;
use super::schedule::SAME_TIME_S;
use super::weekday::day_clock;
use super::windows::Window;
use super::{Keys, Protocol, RadiotherapyItem};
use crate::Result;

/// Refuses fractions of different courses that overlap without starting together.
pub(super) fn check_fractions(keys: &Keys, courses: &[RadiotherapyItem]) -> Result<()> {
    // (start, end, course, fraction), by start.
    let mut all: Vec<(f64, f64, usize, usize)> = courses
        .iter()
        .enumerate()
        .flat_map(|(c, rt)| {
            let len = rt.fraction_minutes * 60.0;
            rt.times_s
                .iter()
                .enumerate()
                .map(move |(k, &t)| (t, t + len, c, k))
        })
        .collect();
    all.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.2.cmp(&b.2)));
    // The fraction delivered longest so far.
    let mut open: Option<(f64, f64, usize, usize)> = None;
    for &f in &all {
        if let Some(o) = open {
            if o.2 != f.2 && f.0 > o.0 + SAME_TIME_S && f.0 < o.1 - SAME_TIME_S {
                return Err(keys.err(
                    &format!("radiotherapy[{}]", f.2),
                    format!(
                        "fraction {} starts at {} while fraction {} of radiotherapy[{}] \
                         (from {}, {} long) is still being delivered: fractions of \
                         different courses either start at the same time (they are then \
                         one fraction, the doses adding) or do not overlap; move one",
                        f.3 + 1,
                        day_clock(f.0),
                        o.3 + 1,
                        o.2,
                        day_clock(o.0),
                        format_duration(o.1 - o.0),
                    ),
                ));
            }
        }
        if open.is_none_or(|o| f.1 > o.1) {
            open = Some(f);
        }
    }
    Ok(())
}

/// The table name and index of each window (`normalisation[1]`), as in the file.
fn names(windows: &[Window]) -> Vec<String> {
    let mut seen: Vec<&str> = Vec::new();
    windows
        .iter()
        .map(|w| {
            let kind = w.effect.table();
            let k = seen.iter().filter(|&&s| s == kind).count();
            seen.push(kind);
            format!("{kind}[{k}]")
        })
        .collect()
}

/// Pairs of windows of one kind that are open together: (first, second, from, to).
fn overlapping(windows: &[Window]) -> Vec<(usize, usize, f64, f64)> {
    let mut out = Vec::new();
    for (j, b) in windows.iter().enumerate() {
        for (i, a) in windows[..j].iter().enumerate() {
            let (from, to) = (a.start_s.max(b.start_s), a.end_s.min(b.end_s));
            if a.effect.table() == b.effect.table() && to > from + SAME_TIME_S {
                out.push((i, j, from, to));
            }
        }
    }
    out
}

/// Refuses overlapping `[[normalisation]]` windows.
pub(super) fn check_windows(keys: &Keys, windows: &[Window]) -> Result<()> {
    let names = names(windows);
    for (i, j, _, _) in overlapping(windows) {
        let (a, b) = (&windows[i], &windows[j]);
        if a.effect.table() == "normalisation" {
            return Err(keys.err(
                &names[j],
                format!(
                    "runs from {} to {}, overlapping {} ({} to {}): each normalisation \
                     window prunes vessels when it opens and their factors would \
                     multiply; give one window from {} to {}, or end one before the \
                     other starts",
                    day_clock(b.start_s),
                    day_clock(b.end_s),
                    names[i],
                    day_clock(a.start_s),
                    day_clock(a.end_s),
                    day_clock(a.start_s.min(b.start_s)),
                    day_clock(a.end_s.max(b.end_s)),
                ),
            ));
        }
    }
    Ok(())
}

/// Lines for `oxyfield check`: where fractions of several courses are one fraction,
/// and where windows of one kind are open together and how their effects combine.
pub(super) fn notes(p: &Protocol) -> Vec<String> {
    let mut out = Vec::new();
    let mut times: Vec<(f64, usize, f64)> = p
        .radiotherapy
        .iter()
        .enumerate()
        .flat_map(|(c, rt)| rt.times_s.iter().map(move |&t| (t, c, rt.dose_gy)))
        .collect();
    times.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    let mut k = 0;
    let mut together = 0;
    let mut first: Option<(f64, Vec<usize>, f64)> = None;
    while k < times.len() {
        let n = times[k..]
            .iter()
            .take_while(|x| x.0 <= times[k].0 + SAME_TIME_S)
            .count();
        if n > 1 {
            together += 1;
            if first.is_none() {
                let group = &times[k..k + n];
                let total = group.iter().map(|x| x.2).sum();
                first = Some((times[k].0, group.iter().map(|x| x.1).collect(), total));
            }
        }
        k += n;
    }
    if let Some((t, courses, total)) = first {
        let names: Vec<String> = courses
            .iter()
            .map(|c| format!("radiotherapy[{c}]"))
            .collect();
        out.push(format!(
            "{} fraction time{} shared by several courses (first at {}: {}): each is one \
             fraction, the doses adding per voxel ({} Gy there)",
            together,
            if together == 1 { "" } else { "s" },
            day_clock(t),
            names.join(" and "),
            super::timeline::num(total, 3),
        ));
    }
    let names = names(&p.windows);
    for (i, j, from, to) in overlapping(&p.windows) {
        let how = match p.windows[i].effect.table() {
            "hif_inhibitor" => "the HIF target is scaled by each (1 − s₁)·(1 − s₂)",
            "prooxidant" => {
                "extra ROS production adds, GSH synthesis blocks combine as \
                 1 − (1 − b₁)·(1 − b₂)"
            }
            _ => "GSH rises combine as (1 + g₁)·(1 + g₂) − 1, dose-modifying factors multiply",
        };
        out.push(format!(
            "{} and {} are open together from {} to {}: their effects combine ({how})",
            names[i],
            names[j],
            day_clock(from),
            day_clock(to)
        ));
    }
    out
}
