//! Plausibility warnings: values that parse and pass the range checks but are almost
//! certainly a slip (a unit, a network file in mm without `scale`, no O2 source at
//! all), which would otherwise give a wrong answer with exit 0. Each is one line that
//! names the key (or file) and the likely fix. They never stop a run (a deliberate
//! value stays possible) and print on stderr unless `-q` is given ([`set_quiet`]);
//! each distinct line prints once per process.
//!
//! The checks of the scenario's own values are `Scenario::plausibility_warnings`
//! (`check` and `run` print them); those that need the files or the assembled problem
//! (`crate::vessels::plausibility::network_file`, `problem`) run in
//! [`crate::assemble::assemble`].

use super::Scenario;
use crate::problem::O2Problem;
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

/// O2 diffusivities outside this range (µm²/s) are warned about: O2 in water at 37 °C
/// is ~3000, in tissue 1000–2500; anything 10× outside is a unit slip.
pub(crate) const DIFFUSIVITY_RANGE_UM2_PER_S: [f64; 2] = [100.0, 10_000.0];

/// Blood pO2 above this (mmHg) is warned about: arterial blood is ~95 mmHg on air and
/// reaches ~500 only under pure O2 breathing, which a tumour's vessels do not see.
pub(crate) const MAX_BLOOD_PO2_MMHG: f64 = 200.0;

/// A placed network whose longest side is outside this range, relative to the block's
/// longest side, is warned about (a file in mm read as µm is ~1/1000 of its size).
pub(crate) const NETWORK_EXTENT_RANGE: [f64; 2] = [0.05, 10.0];

impl Scenario {
    /// The warnings about this scenario's own values (no file is opened): O2
    /// diffusivity, blood pO2 keys, and a scenario with no O2 source.
    pub(crate) fn plausibility_warnings(&self) -> Vec<String> {
        let s = &self.spec;
        let mut out = Vec::new();
        let mut warn = |msg: String| out.push(format!("{}: {msg}", self.origin));
        if let Some(m) = diffusivity(s.oxygen.diffusivity_um2_per_s) {
            warn(m);
        }
        let v = &s.vessels;
        let blood = [
            v.synthetic
                .as_ref()
                .map(|x| ("vessels.synthetic.blood_po2_mmhg", x.blood_po2_mmhg[1])),
            v.network
                .as_ref()
                .map(|x| ("vessels.network.blood_po2_mmhg", x.blood_po2_mmhg)),
            v.mask
                .as_ref()
                .map(|x| ("vessels.mask.blood_po2_mmhg", x.blood_po2_mmhg)),
        ];
        for (key, p) in blood.into_iter().flatten() {
            if p > MAX_BLOOD_PO2_MMHG {
                warn(format!("`{key}`: {}", blood_po2(p)));
            }
        }
        let has_vessels =
            v.synthetic.is_some() || v.network.is_some() || v.npy.is_some() || v.mask.is_some();
        let fixed_face = s
            .boundary
            .faces()
            .iter()
            .any(|f| matches!(f, super::schema::FaceSpec::Fixed(_)));
        if !has_vessels && s.fixed_regions.is_empty() && !fixed_face {
            warn(NO_SOURCE.to_string());
        }
        if s.boundary.medium_um > 0.0 && self.medium().is_none() {
            warn(format!(
                "`boundary.medium_um` = {} adds nothing: every [boundary] face has a fixed \
                 pO2, and the medium grows only no-flux faces",
                s.boundary.medium_um
            ));
        }
        out
    }
}

const NO_SOURCE: &str = "no O2 source: no [vessels.*] table, no [[fixed_regions]] and \
    every [boundary] face is no_flux, so all tissue ends anoxic (pO2 0); add a vessel \
    source ([vessels.synthetic], [vessels.network], [vessels.npy] or [vessels.mask]), a \
    [[fixed_regions]] entry, or a fixed face (e.g. [boundary] x_min = 40.0)";

/// The warning for an O2 diffusivity `d` (µm²/s), with the unit it was likely given in.
fn diffusivity(d: f64) -> Option<String> {
    let [lo, hi] = DIFFUSIVITY_RANGE_UM2_PER_S;
    if (lo..=hi).contains(&d) {
        return None;
    }
    let units: [(f64, &str); 4] = [
        (1e8, "cm²/s"),
        (1e6, "mm²/s"),
        (1e12, "m²/s"),
        (1.0 / 60.0, "µm²/min"),
    ];
    let hint = units
        .iter()
        .find(|(f, _)| (lo..=hi).contains(&(d * f)))
        .map(|(f, u)| format!(" a {u} value: {d} {u} is {:.0} µm²/s, write that", d * f))
        .unwrap_or_default();
    Some(format!(
        "`oxygen.diffusivity_um2_per_s` is {d}, outside the {lo}–{hi} µm²/s of O2 in tissue \
         (about 2000; a value this far off makes the tissue anoxic or uniform): did you \
         mean µm²/s?{hint}"
    ))
}

/// The text for a blood pO2 `p` (mmHg) above [`MAX_BLOOD_PO2_MMHG`].
pub(crate) fn blood_po2(p: f64) -> String {
    format!(
        "blood pO2 {p} mmHg is above {MAX_BLOOD_PO2_MMHG} mmHg (arterial blood is ~95 mmHg \
         on air, ~500 only when breathing pure O2): check the unit (mmHg, not Pa, kPa × \
         7.5, or µM)"
    )
}

/// The warnings about the assembled problem of `sc`, from vessel source `source`
/// ("synthetic", "network", "npy", "mask" or "none"): no O2 source reaches the tissue,
/// or a Pb map above [`MAX_BLOOD_PO2_MMHG`].
pub(crate) fn problem(sc: &Scenario, problem: &O2Problem, source: &str) -> Vec<String> {
    let mut out = Vec::new();
    let wall = problem.sv.iter().any(|&s| s > 0.0);
    let fixed = problem.fixed.iter().any(|&f| f >= 0.0) || problem.faces.iter().any(|&f| f >= 0.0);
    if !wall && !fixed {
        if source == "none" {
            out.push(format!("{}: {NO_SOURCE}", sc.origin));
        } else {
            out.push(format!(
                "{}: the {source} vessel source puts no vessel wall in the block (Sv = 0 \
                 everywhere) and there is no fixed region or fixed face, so all tissue ends \
                 anoxic (pO2 0): check the [vessels.{source}] file and its placement",
                sc.origin
            ));
        }
    }
    if let Some(np) = sc.spec.vessels.npy.as_ref().filter(|_| source == "npy") {
        let max = problem
            .pb
            .iter()
            .zip(&problem.sv)
            .filter(|(_, &s)| s > 0.0)
            .fold(0.0f32, |m, (&p, _)| m.max(p));
        if f64::from(max) > MAX_BLOOD_PO2_MMHG {
            out.push(format!(
                "{}: `vessels.npy.pb` ({}): {}",
                sc.origin,
                sc.resolve(&np.pb).display(),
                blood_po2(f64::from(max))
            ));
        }
    }
    out
}

/// Lines already printed, so that a scenario assembled twice (or checked, then run)
/// warns once.
static SEEN: Mutex<BTreeSet<String>> = Mutex::new(BTreeSet::new());

/// Set by `-q`: these warnings are advice, and `-q` asks for none.
static QUIET: AtomicBool = AtomicBool::new(false);

/// Silences `emit` (the binary calls this for `-q`; a log level, which a batch on a
/// terminal lowers for its progress bar, does not decide it).
pub fn set_quiet(quiet: bool) {
    QUIET.store(quiet, Ordering::Relaxed);
}

/// Prints each warning once per process, as a `warn` log line, unless [`set_quiet`].
pub(crate) fn emit(warnings: impl IntoIterator<Item = String>) {
    if QUIET.load(Ordering::Relaxed) {
        return;
    }
    let mut seen = SEEN.lock().unwrap_or_else(|e| e.into_inner());
    for w in warnings {
        if seen.insert(w.clone()) {
            log::warn!("{w}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diffusivity_names_the_unit() {
        assert_eq!(diffusivity(2000.0), None);
        let m = diffusivity(2e-5).unwrap();
        assert!(m.contains("did you mean µm²/s?"), "{m}");
        assert!(
            m.contains("cm²/s value: 0.00002 cm²/s is 2000 µm²/s"),
            "{m}"
        );
        let m = diffusivity(2e-3).unwrap();
        assert!(m.contains("mm²/s value"), "{m}");
        let m = diffusivity(120_000.0).unwrap();
        assert!(m.contains("µm²/min value"), "{m}");
        assert!(!diffusivity(5.0).unwrap().contains("value:"));
    }
}
