//! The events of one protocol time: which are due, how the timeline labels them, and
//! radiotherapy fractions of several courses at the same time delivered as one.
//!
//! Fractions of different courses that start at the same time are one fraction: the
//! doses add per voxel (Σ Dₖ·mapₖ) and the tissue takes one LQ hit of the sum, not
//! one hit per course (2 + 2 Gy at once is a 4 Gy fraction). Fractions that overlap
//! without starting together are refused when the protocol is read
//! ([`crate::protocol::Protocol::from_spec`]).

use super::EPS_S;
use crate::protocol::{Event, EventKind, Protocol};

/// The end of the run of events from `next` that are due at time `t` (s).
pub(super) fn due_end(events: &[Event], next: usize, t: f64) -> usize {
    next + events[next..]
        .iter()
        .take_while(|e| e.time_s <= t + EPS_S)
        .count()
}

/// A dose without trailing zeros (`2`, `2.5`), as `oxyfield check` writes it.
fn gy(x: f64) -> String {
    crate::protocol::short_number(x, 3)
}

/// The timeline labels of the events `due` at one time, in order: one `rt D Gy` for
/// the fractions (`rt 4 Gy (2 + 2 Gy)` when courses coincide), `<drug> dose`, and
/// `<window kind> on|off`.
pub(super) fn labels(protocol: &Protocol, due: &[Event]) -> String {
    let mut out = Vec::new();
    let doses: Vec<f64> = due
        .iter()
        .filter_map(|e| match e.kind {
            EventKind::Radiotherapy { dose_gy, .. } => Some(dose_gy),
            _ => None,
        })
        .collect();
    match doses.len() {
        0 => {}
        1 => out.push(format!("rt {} Gy", gy(doses[0]))),
        _ => out.push(format!(
            "rt {} Gy ({} Gy)",
            gy(doses.iter().sum()),
            doses.iter().map(|&d| gy(d)).collect::<Vec<_>>().join(" + ")
        )),
    }
    for e in due {
        match e.kind {
            EventKind::Radiotherapy { .. } => {}
            EventKind::Drug { item, .. } => out.push(format!("{} dose", protocol.drugs[item].name)),
            EventKind::Window { item, open } => out.push(format!(
                "{} {}",
                protocol.windows[item].effect.table(),
                if open { "on" } else { "off" }
            )),
        }
    }
    out.join(";")
}

/// One fraction: its nominal dose (Gy), the relative dose map (None: uniform) and its
/// delivery time (s).
pub(super) struct Fraction {
    pub(crate) dose_gy: f64,
    pub(crate) map: Option<Vec<f32>>,
    pub(crate) seconds: f64,
}

/// The fraction delivered for the radiotherapy events among `due`, or None without
/// any: with several courses, the summed dose Σ Dₖ with the map Σ Dₖ·mapₖ / Σ Dₖ, over
/// the longest of their delivery times.
pub(super) fn fraction(
    protocol: &Protocol,
    maps: &[Option<Vec<f32>>],
    due: &[Event],
) -> Option<Fraction> {
    let items: Vec<(usize, f64)> = due
        .iter()
        .filter_map(|e| match e.kind {
            EventKind::Radiotherapy { item, dose_gy, .. } => Some((item, dose_gy)),
            _ => None,
        })
        .collect();
    let total: f64 = items.iter().map(|&(_, d)| d).sum();
    let seconds = items
        .iter()
        .map(|&(i, _)| protocol.radiotherapy[i].fraction_minutes * 60.0)
        .fold(0.0, f64::max);
    match items.as_slice() {
        [] => None,
        &[(item, dose_gy)] => Some(Fraction {
            dose_gy,
            map: maps[item].clone(),
            seconds,
        }),
        _ if items.iter().all(|&(i, _)| maps[i].is_none()) => Some(Fraction {
            dose_gy: total,
            map: None,
            seconds,
        }),
        _ => {
            let len = maps.iter().flatten().map(Vec::len).next().unwrap_or(0);
            let mut map = vec![0.0f64; len];
            for &(item, d) in &items {
                for (m, k) in map.iter_mut().enumerate() {
                    let rel = maps[item].as_ref().map_or(1.0, |v| f64::from(v[m]));
                    *k += d * rel / total;
                }
            }
            Some(Fraction {
                dose_gy: total,
                map: Some(map.into_iter().map(|v| v as f32).collect()),
                seconds,
            })
        }
    }
}
