//! `[[drug]]` courses: a preset, the dose schedule, and checked overrides.

use super::schedule::course_times;
use super::schema::DrugSpec;
use super::{DrugItem, Keys};
use crate::physics::drug::{DrugParams, PRESETS};
use crate::physics::pk::PkModel;
use crate::Result;

/// Checks one `[[drug]]` table (index `i`) and expands its dose times.
pub(super) fn drug(
    keys: &Keys,
    i: usize,
    spec: &DrugSpec,
    duration_s: f64,
    start_weekday: u8,
) -> Result<DrugItem> {
    let table = format!("drug[{i}]");
    let key = |k: &str| format!("{table}.{k}");
    let preset = spec.preset.as_deref().ok_or_else(|| {
        keys.err(
            &key("preset"),
            format!(
                "is required: the drug to start from, one of {}; any of its values can \
                 then be overridden in this table",
                PRESETS.join(", ")
            ),
        )
    })?;
    let mut p = DrugParams::preset(preset).ok_or_else(|| {
        keys.err(
            &key("preset"),
            format!("is \"{preset}\"; known presets: {}", PRESETS.join(", ")),
        )
    })?;
    let name = spec.name.clone().unwrap_or_else(|| preset.to_string());
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    {
        return Err(keys.err(
            &key("name"),
            format!(
                "is \"{name}\"; it names timeline columns, so use lower-case letters, digits \
                 and _ only (e.g. \"evo_weekly\")"
            ),
        ));
    }
    // (key, value, allowed range, what to write).
    let check = |k: &str, v: Option<f64>, lo: f64, hi: f64, open_lo: bool| -> Result<Option<f64>> {
        match v {
            None => Ok(None),
            Some(x) if x.is_finite() && (x > lo || (!open_lo && x == lo)) && x <= hi => Ok(Some(x)),
            Some(x) => Err(keys.err(
                &key(k),
                format!(
                    "is {x}, must lie in {}{lo}, {hi}]",
                    if open_lo { "(" } else { "[" }
                ),
            )),
        }
    };
    if let Some(c) = check("plasma_cmax_um", spec.plasma_cmax_um, 0.0, 1e5, true)? {
        p.pk.cmax_um = c;
    }
    if let Some(m) = check(
        "infusion_minutes",
        spec.infusion_minutes,
        0.0,
        1440.0,
        false,
    )? {
        p.pk.infusion_s = m * 60.0;
    }
    let slow = check(
        "plasma_half_life_h",
        spec.plasma_half_life_h,
        0.0,
        1e4,
        true,
    )?;
    let fast = check(
        "plasma_fast_half_life_h",
        spec.plasma_fast_half_life_h,
        0.0,
        1e4,
        true,
    )?;
    let fraction = check(
        "plasma_fast_fraction",
        spec.plasma_fast_fraction,
        0.0,
        1.0,
        false,
    )?;
    p.pk.model = match (slow, fast, fraction) {
        (s, None, None) => match (s, p.pk.model) {
            (Some(h), _) => PkModel::OneCompartment { half_life_h: h },
            (None, m) => m,
        },
        (s, Some(fh), Some(f)) => {
            let sh = s.ok_or_else(|| {
                keys.err(
                    &key("plasma_half_life_h"),
                    "is required with the fast phase: the slow (elimination) half-life",
                )
            })?;
            if fh >= sh {
                return Err(keys.err(
                    &key("plasma_fast_half_life_h"),
                    format!("is {fh} h, must be shorter than plasma_half_life_h ({sh} h)"),
                ));
            }
            PkModel::TwoCompartment {
                fast_fraction: f,
                fast_half_life_h: fh,
                slow_half_life_h: sh,
            }
        }
        _ => {
            return Err(keys.err(
                &table,
                "a two-compartment curve needs both `plasma_fast_half_life_h` and \
                 `plasma_fast_fraction` (and `plasma_half_life_h` for the slow phase)",
            ))
        }
    };
    let set = |target: &mut f64, k: &str, v: Option<f64>, lo: f64, hi: f64, open_lo: bool| {
        check(k, v, lo, hi, open_lo).map(|x| {
            if let Some(x) = x {
                *target = x;
            }
        })
    };
    set(
        &mut p.diffusivity_um2_per_s,
        "diffusivity_um2_per_s",
        spec.diffusivity_um2_per_s,
        0.0,
        1e4,
        true,
    )?;
    set(
        &mut p.permeability_um_per_s,
        "permeability_um_per_s",
        spec.permeability_um_per_s,
        0.0,
        1e4,
        false,
    )?;
    set(
        &mut p.activation.kmax_per_s,
        "kmax_per_s",
        spec.kmax_per_s,
        0.0,
        10.0,
        false,
    )?;
    set(
        &mut p.activation.ki_mmhg,
        "ki_mmhg",
        spec.ki_mmhg,
        0.0,
        1e3,
        true,
    )?;
    set(
        &mut p.activation.aerobic_fraction,
        "aerobic_fraction",
        spec.aerobic_fraction,
        0.0,
        1.0,
        false,
    )?;
    set(
        &mut p.uptake_rate_per_s,
        "uptake_rate_per_s",
        spec.uptake_rate_per_s,
        0.0,
        10.0,
        false,
    )?;
    set(
        &mut p.metabolite_diffusivity_um2_per_s,
        "metabolite_diffusivity_um2_per_s",
        spec.metabolite_diffusivity_um2_per_s,
        0.0,
        1e4,
        false,
    )?;
    set(
        &mut p.metabolite_half_life_s,
        "metabolite_half_life_s",
        spec.metabolite_half_life_s,
        0.0,
        1e6,
        true,
    )?;
    set(
        &mut p.kill_per_um_h,
        "kill_per_um_h",
        spec.kill_per_um_h,
        0.0,
        1e4,
        false,
    )?;
    set(
        &mut p.time_step_s,
        "time_step_s",
        spec.time_step_s,
        1.0,
        3600.0,
        false,
    )?;
    let times_s = course_times(
        keys,
        &table,
        "dose",
        spec.schedule(),
        duration_s,
        start_weekday,
        p.pk.infusion_s.max(1.0),
    )?;
    Ok(DrugItem {
        name,
        preset: preset.to_string(),
        params: p,
        times_s,
    })
}
