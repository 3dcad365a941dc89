//! Caveats of the model that a protocol runs into: effects a reviewer would expect that
//! oxyfield does not model, or that the scenario leaves switched off. `check` and `run`
//! print each as a warning (docs/model.md, "Limits of the therapy model"); nothing here
//! refuses a protocol.

use super::windows::WindowEffect;
use super::Protocol;
use crate::physics::hif::HifEffects;

/// Dose per fraction (Gy) from which tumour vasculature is damaged (Park et al. 2012,
/// Radiat Res 177:311: above about 10 Gy per fraction), which the model leaves out.
pub(crate) const VASCULAR_DAMAGE_DOSE_GY: f64 = 10.0;

/// One line per caveat of running `protocol` with the scenario's HIF effects `hif`
/// (None when the scenario is not known, as for a protocol file checked alone: the
/// `[hif]` defaults are assumed and the line says so).
pub fn caveats(protocol: &Protocol, hif: Option<&HifEffects>) -> Vec<String> {
    let mut out = Vec::new();
    for (i, rt) in protocol.radiotherapy.iter().enumerate() {
        if rt.dose_gy >= VASCULAR_DAMAGE_DOSE_GY {
            out.push(format!(
                "radiotherapy[{i}]: fractions of {} Gy (≥ {VASCULAR_DAMAGE_DOSE_GY} Gy) damage \
                 tumour vessels in vivo (perfusion falls within days, Park et al. 2012), which \
                 oxyfield does not model: vessels stay intact, so the reoxygenation after these \
                 fractions is an upper estimate (docs/model.md, \"Limits of the therapy model\")",
                rt.dose_gy
            ));
        }
    }
    let inhibitors = protocol
        .windows
        .iter()
        .filter(|w| matches!(w.effect, WindowEffect::HifInhibitor { .. }))
        .count();
    let known = hif.is_some();
    let hif = hif.copied().unwrap_or_default();
    let no_effect = hif.glycolytic_switch == 0.0
        && hif.antioxidant_upregulation == 0.0
        && hif.angiogenesis_per_day == 0.0;
    if inhibitors > 0 && no_effect {
        out.push(format!(
            "hif_inhibitor ({inhibitors} window{}): {} every [hif] effect is 0 \
             (glycolytic_switch, antioxidant_upregulation, angiogenesis_per_day; 0 is their \
             default), so the inhibitor changes mean_hif and nothing else; set one of them in \
             the scenario's [hif] table (docs/model.md, \"HIF-1α\")",
            if inhibitors == 1 { "" } else { "s" },
            if known {
                "in this scenario"
            } else {
                "with a scenario that keeps the defaults,"
            }
        ));
    }
    out
}
