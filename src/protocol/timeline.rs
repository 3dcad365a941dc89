//! The expanded timeline as text, for `oxyfield check` and for people checking that a
//! protocol says what they meant.

use super::duration::{format_duration, HOUR_S};
use super::schedule::EventKind;
use super::weekday::{day_clock, day_index, weekday_of, WEEKDAY_FULL_NAMES, WEEKDAY_NAMES};
use super::windows::WindowEffect;
use super::Protocol;
use std::fmt::Write;

/// Snapshot lists longer than this are shortened in the header.
const SNAPSHOTS_SHOWN: usize = 12;

/// A number with at most `places` decimals and no trailing zeros.
pub(crate) fn num(x: f64, places: usize) -> String {
    let s = format!("{x:.places$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// Header, then one line per event.
pub(super) fn text(p: &Protocol) -> String {
    let mut out = String::new();
    let day = |t: f64| {
        format!(
            "d {} ({})",
            day_index(t),
            WEEKDAY_NAMES[weekday_of(t, p.start_weekday) as usize]
        )
    };
    // Writing to a String cannot fail; the results are dropped on purpose.
    let _ = writeln!(out, "protocol {} ({})", p.name, p.origin);
    if !p.description.is_empty() {
        let _ = writeln!(out, "  {}", p.description.trim());
    }
    let _ = writeln!(
        out,
        "duration {} ({} h), time step {}, day 0 is a {}",
        format_duration(p.duration_s),
        num(p.duration_s / HOUR_S, 2),
        format_duration(p.time_step_s),
        WEEKDAY_FULL_NAMES[p.start_weekday as usize]
    );
    // What `oxyfield run` does (it always has an output folder); a batch writes none.
    let _ = writeln!(
        out,
        "checkpoints: every {}{}; `oxyfield run` writes OUT/checkpoint.bin then, at the \
         end and on Ctrl-C; `oxyfield batch` writes none",
        format_duration(
            p.checkpoint_every_s
                .unwrap_or(super::DEFAULT_CHECKPOINT_EVERY_S)
        ),
        if p.checkpoint_every_s.is_some() {
            ""
        } else {
            " (the default: no checkpoint_every)"
        }
    );
    let snaps = &p.snapshot_times_s;
    let listed: Vec<String> = if snaps.len() <= SNAPSHOTS_SHOWN {
        snaps.iter().map(|&t| format_duration(t)).collect()
    } else {
        let head = snaps[..SNAPSHOTS_SHOWN / 2].iter();
        let tail = snaps[snaps.len() - 2..].iter();
        let mut v: Vec<String> = head.map(|&t| format_duration(t)).collect();
        v.push("…".into());
        v.extend(tail.map(|&t| format_duration(t)));
        v
    };
    let _ = writeln!(out, "snapshots: {} ({})", snaps.len(), listed.join(", "));
    let mut total_gy = 0.0;
    for (i, rt) in p.radiotherapy.iter().enumerate() {
        let n = rt.times_s.len();
        let item_gy = rt.dose_gy * n as f64;
        total_gy += item_gy;
        let span = match (rt.times_s.first(), rt.times_s.last()) {
            (Some(&a), Some(&b)) if n > 1 => format!(", {} to {}", day(a), day(b)),
            (Some(&a), _) => format!(", {}", day(a)),
            _ => String::new(),
        };
        let _ = write!(
            out,
            "radiotherapy[{i}]: {n} fraction{} × {} Gy = {} Gy, {} min each{span}",
            if n == 1 { "" } else { "s" },
            num(rt.dose_gy, 3),
            num(item_gy, 3),
            num(rt.fraction_minutes, 2),
        );
        if let Some(map) = &rt.dose_map_npy {
            let _ = write!(out, ", dose map {}", map.display());
        }
        out.push('\n');
    }
    for (i, d) in p.drugs.iter().enumerate() {
        let n = d.times_s.len();
        let pk = &d.params.pk;
        let how = if pk.infusion_s > 0.0 {
            format!("{} min infusion", num(pk.infusion_s / 60.0, 2))
        } else {
            "bolus".into()
        };
        let _ = writeln!(
            out,
            "drug[{i}] {} ({}): {n} dose{}, plasma Cmax {} µM, {how}, slowest plasma \
             half-life {} h",
            d.name,
            d.preset,
            if n == 1 { "" } else { "s" },
            num(pk.cmax_um, 3),
            num(pk.slowest_half_life_s() / HOUR_S, 3),
        );
    }
    let mut seen: Vec<&str> = Vec::new();
    for w in &p.windows {
        let kind = w.effect.table();
        let k = seen.iter().filter(|&&s| s == kind).count();
        seen.push(kind);
        let _ = writeln!(
            out,
            "{kind}[{k}]: {} to {}, {}",
            day_clock(w.start_s),
            day_clock(w.end_s),
            effect_words(&w.effect)
        );
    }
    let _ = writeln!(
        out,
        "start: {}",
        if p.settle {
            "the scenario's untreated tissue settled to rest (settle = true)"
        } else {
            "the scenario's tissue as written (settle = false)"
        }
    );
    for note in super::overlaps::notes(p) {
        let _ = writeln!(out, "{note}");
    }
    let events = p.events();
    let _ = writeln!(
        out,
        "total: {} event{}, {} Gy",
        events.len(),
        if events.len() == 1 { "" } else { "s" },
        num(total_gy, 3)
    );
    if events.is_empty() {
        return out;
    }
    let _ = writeln!(
        out,
        "{:>5}  {:>13}  {:>8}  {:<3}  event",
        "#", "time", "hours", "day"
    );
    for (k, e) in events.iter().enumerate() {
        let what = match e.kind {
            EventKind::Radiotherapy {
                item,
                fraction,
                dose_gy,
            } => {
                let mut line = format!(
                    "radiotherapy[{item}] fraction {}/{}: {} Gy",
                    fraction + 1,
                    p.radiotherapy[item].times_s.len(),
                    num(dose_gy, 3)
                );
                // The last fraction of several that start together says they are one
                // (events at one time are sorted radiotherapy first, so they are
                // adjacent).
                let same = |f: &&super::Event| {
                    matches!(f.kind, EventKind::Radiotherapy { .. })
                        && (f.time_s - e.time_s).abs() <= super::schedule::SAME_TIME_S
                };
                let before = events[..k].iter().rev().take_while(same).count();
                let last = events.get(k + 1).as_ref().is_none_or(|f| !same(f));
                let group: Vec<&super::Event> = events[k - before..=k].iter().collect();
                if group.len() > 1 && last {
                    let total: f64 = group
                        .iter()
                        .map(|f| match f.kind {
                            EventKind::Radiotherapy { dose_gy, .. } => dose_gy,
                            _ => 0.0,
                        })
                        .sum();
                    let _ = write!(
                        line,
                        " (with the {} above: one fraction of {} Gy)",
                        if group.len() == 2 { "line" } else { "lines" },
                        num(total, 3)
                    );
                }
                line
            }
            EventKind::Window { item, open } => format!(
                "{} window {}",
                p.windows[item].effect.table(),
                if open { "opens" } else { "closes" }
            ),
            EventKind::Drug { item, dose } => format!(
                "drug[{item}] {} dose {}/{}",
                p.drugs[item].name,
                dose + 1,
                p.drugs[item].times_s.len()
            ),
        };
        let _ = writeln!(
            out,
            "{:>5}  {:>13}  {:>8}  {:<3}  {what}",
            k + 1,
            day_clock(e.time_s),
            num(e.time_s / HOUR_S, 2),
            WEEKDAY_NAMES[weekday_of(e.time_s, p.start_weekday) as usize],
        );
    }
    out
}

/// What a window does while open, in words (`oxyfield check`).
fn effect_words(e: &WindowEffect) -> String {
    match *e {
        WindowEffect::HifInhibitor { strength } => {
            format!("HIF target suppressed by {} %", num(100.0 * strength, 1))
        }
        WindowEffect::Normalisation {
            perfusion_factor,
            blood_po2_increase_mmhg,
            prune_fraction,
            angiogenesis_factor,
            drug_permeability_factor,
        } => format!(
            "wall exchange × {}, blood pO2 + {} mmHg, {} % of the vessel surface pruned at \
             the opening, angiogenesis × {}, drug wall permeability × {}",
            num(perfusion_factor, 3),
            num(blood_po2_increase_mmhg, 2),
            num(100.0 * prune_fraction, 1),
            num(angiogenesis_factor, 3),
            num(drug_permeability_factor, 3)
        ),
        WindowEffect::Prooxidant {
            extra_ros_um_per_s,
            gsh_synthesis_inhibition,
        } => format!(
            "extra ROS production {} µM/s, GSH synthesis blocked by {} %",
            num(extra_ros_um_per_s, 4),
            num(100.0 * gsh_synthesis_inhibition, 1)
        ),
        WindowEffect::Antioxidant {
            gsh_increase,
            radioprotection_dmf,
        } => format!(
            "antioxidant capacity + {} %, radiation dose ÷ {} (dose-modifying factor)",
            num(100.0 * gsh_increase, 1),
            num(radioprotection_dmf, 3)
        ),
    }
}
