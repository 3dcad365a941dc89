//! The protocol file as written by users (TOML, `schema_version = 1`). Times are
//! duration texts (`"36h"`, `"6w"`; see [`super::parse_duration`]), each with a numeric twin
//! key ending in `_h` (hours). Every table rejects unknown keys. [`super::Protocol`]
//! checks values and expands the schedule after parsing.
//!
//! The types deserialize from any serde source (a file, or a `[protocol]` table inside
//! another document), so a scenario can embed a protocol later.

use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::Deserialize;
use std::fmt;
use std::path::PathBuf;

/// A whole protocol file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProtocolFile {
    /// Format version; required, and only 1 is known.
    pub(crate) schema_version: Option<i64>,
    /// Protocol name; the file stem when absent.
    pub(crate) name: Option<String>,
    /// Free text for people.
    #[serde(default)]
    pub(crate) description: String,
    /// Simulated time.
    pub(crate) duration: Option<DurationText>,
    /// Simulated time (hours).
    pub(crate) duration_h: Option<f64>,
    /// Slow time step; `"1h"` when absent.
    pub(crate) time_step: Option<DurationText>,
    /// Slow time step (hours).
    pub(crate) time_step_h: Option<f64>,
    /// Weekday at t = 0; `"mon"` when absent.
    pub(crate) start_weekday: Option<String>,
    /// Interval between checkpoints; none when absent.
    pub(crate) checkpoint_every: Option<DurationText>,
    /// Interval between checkpoints (hours).
    pub(crate) checkpoint_every_h: Option<f64>,
    /// Start from the scenario's untreated tissue settled to rest (default true), or
    /// from the scenario as written (false).
    pub(crate) settle: Option<bool>,
    /// Times of field snapshots; `"end"` means at `duration`.
    pub(crate) snapshots: Option<Vec<DurationText>>,
    /// Times of field snapshots (hours).
    pub(crate) snapshots_h: Option<Vec<f64>>,
    /// Interval between field snapshots, from t = 0.
    pub(crate) snapshot_every: Option<DurationText>,
    /// Interval between field snapshots (hours).
    pub(crate) snapshot_every_h: Option<f64>,
    /// Radiotherapy courses (`[[radiotherapy]]`).
    #[serde(default)]
    pub(crate) radiotherapy: Vec<RadiotherapySpec>,
    /// Drug courses (`[[drug]]`).
    #[serde(default)]
    pub(crate) drug: Vec<DrugSpec>,
    /// HIF-inhibitor windows (`[[hif_inhibitor]]`).
    #[serde(default)]
    pub(crate) hif_inhibitor: Vec<WindowSpec>,
    /// Vascular normalisation windows (`[[normalisation]]`).
    #[serde(default)]
    pub(crate) normalisation: Vec<WindowSpec>,
    /// Pro-oxidant windows (`[[prooxidant]]`).
    #[serde(default)]
    pub(crate) prooxidant: Vec<WindowSpec>,
    /// Antioxidant windows (`[[antioxidant]]`).
    #[serde(default)]
    pub(crate) antioxidant: Vec<WindowSpec>,
}

/// An intervention window: `start`, `end` and the effect's keys (each table accepts only
/// its own; see `super::windows`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct WindowSpec {
    /// Opens at.
    pub(crate) start: Option<DurationText>,
    /// Opens at (hours).
    pub(crate) start_h: Option<f64>,
    /// Closes at.
    pub(crate) end: Option<DurationText>,
    /// Closes at (hours).
    pub(crate) end_h: Option<f64>,
    /// HIF inhibitor: fraction of the HIF target suppressed.
    pub(crate) strength: Option<f64>,
    /// Normalisation: wall exchange of the remaining vessels ×.
    pub(crate) perfusion_factor: Option<f64>,
    /// Normalisation: blood pO2 raised by (mmHg).
    pub(crate) blood_po2_increase_mmhg: Option<f64>,
    /// Normalisation: fraction of vessel surface pruned at the start.
    pub(crate) prune_fraction: Option<f64>,
    /// Normalisation: angiogenesis rate ×.
    pub(crate) angiogenesis_factor: Option<f64>,
    /// Normalisation: drug wall permeability ×.
    pub(crate) drug_permeability_factor: Option<f64>,
    /// Pro-oxidant: extra ROS production (µM/s).
    pub(crate) extra_ros_um_per_s: Option<f64>,
    /// Pro-oxidant: fraction of GSH regeneration blocked.
    pub(crate) gsh_synthesis_inhibition: Option<f64>,
    /// Antioxidant: fractional rise of G0.
    pub(crate) gsh_increase: Option<f64>,
    /// Antioxidant: dose-modifying factor of radiation kill.
    pub(crate) radioprotection_dmf: Option<f64>,
}

impl WindowSpec {
    /// Each effect key and whether it is given.
    pub(crate) fn effect_keys(&self) -> [(&'static str, bool); 10] {
        [
            ("strength", self.strength.is_some()),
            ("perfusion_factor", self.perfusion_factor.is_some()),
            (
                "blood_po2_increase_mmhg",
                self.blood_po2_increase_mmhg.is_some(),
            ),
            ("prune_fraction", self.prune_fraction.is_some()),
            ("angiogenesis_factor", self.angiogenesis_factor.is_some()),
            (
                "drug_permeability_factor",
                self.drug_permeability_factor.is_some(),
            ),
            ("extra_ros_um_per_s", self.extra_ros_um_per_s.is_some()),
            (
                "gsh_synthesis_inhibition",
                self.gsh_synthesis_inhibition.is_some(),
            ),
            ("gsh_increase", self.gsh_increase.is_some()),
            ("radioprotection_dmf", self.radioprotection_dmf.is_some()),
        ]
    }
}

/// The schedule keys a course table shares: repeating (`start`, `every`, `count`,
/// `weekdays`) or explicit (`at`), each time with its `_h` twin.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct ScheduleRef<'a> {
    /// First candidate time.
    pub(crate) start: Option<&'a DurationText>,
    /// First candidate time (hours).
    pub(crate) start_h: Option<f64>,
    /// Interval between candidate times.
    pub(crate) every: Option<&'a DurationText>,
    /// Interval between candidate times (hours).
    pub(crate) every_h: Option<f64>,
    /// Deliveries.
    pub(crate) count: Option<i64>,
    /// Weekday filter.
    pub(crate) weekdays: Option<&'a WeekdaysSpec>,
    /// Explicit times.
    pub(crate) at: Option<&'a [DurationText]>,
    /// Explicit times (hours).
    pub(crate) at_h: Option<&'a [f64]>,
}

/// Both course tables give their schedule keys the same way.
macro_rules! schedule_ref {
    ($t:ty) => {
        impl $t {
            /// The schedule keys of this table.
            pub(crate) fn schedule(&self) -> ScheduleRef<'_> {
                ScheduleRef {
                    start: self.start.as_ref(),
                    start_h: self.start_h,
                    every: self.every.as_ref(),
                    every_h: self.every_h,
                    count: self.count,
                    weekdays: self.weekdays.as_ref(),
                    at: self.at.as_deref(),
                    at_h: self.at_h.as_deref(),
                }
            }
        }
    };
}
schedule_ref!(RadiotherapySpec);
schedule_ref!(DrugSpec);

/// One `[[drug]]` course: a preset, its schedule of doses (as for radiotherapy), and
/// optional overrides of any preset value.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct DrugSpec {
    /// Preset to start from; required (see `crate::physics::drug::PRESETS`).
    pub(crate) preset: Option<String>,
    /// Name used in timeline columns and labels; the preset's name when absent.
    pub(crate) name: Option<String>,
    /// First candidate time; 0 when absent.
    pub(crate) start: Option<DurationText>,
    /// First candidate time (hours).
    pub(crate) start_h: Option<f64>,
    /// Interval between doses.
    pub(crate) every: Option<DurationText>,
    /// Interval between doses (hours).
    pub(crate) every_h: Option<f64>,
    /// Doses given.
    pub(crate) count: Option<i64>,
    /// Weekdays on which a candidate time is given; all days when absent.
    pub(crate) weekdays: Option<WeekdaysSpec>,
    /// Explicit dose times, instead of `start`/`every`/`count`.
    pub(crate) at: Option<Vec<DurationText>>,
    /// Explicit dose times (hours).
    pub(crate) at_h: Option<Vec<f64>>,
    /// Peak plasma concentration of one dose (µM).
    pub(crate) plasma_cmax_um: Option<f64>,
    /// Infusion time of one dose (minutes); 0 for a bolus.
    pub(crate) infusion_minutes: Option<f64>,
    /// Plasma half-life (h): the one-compartment half-life, or the slow phase's.
    pub(crate) plasma_half_life_h: Option<f64>,
    /// Two-compartment: half-life of the fast phase (h).
    pub(crate) plasma_fast_half_life_h: Option<f64>,
    /// Two-compartment: fraction of the bolus amplitude in the fast phase.
    pub(crate) plasma_fast_fraction: Option<f64>,
    /// Prodrug tissue diffusivity (µm²/s).
    pub(crate) diffusivity_um2_per_s: Option<f64>,
    /// Vessel-wall permeability (µm/s).
    pub(crate) permeability_um_per_s: Option<f64>,
    /// Activation rate in anoxia (1/s).
    pub(crate) kmax_per_s: Option<f64>,
    /// pO2 of half inhibition of activation (mmHg).
    pub(crate) ki_mmhg: Option<f64>,
    /// Fraction of activation that O2 does not inhibit.
    pub(crate) aerobic_fraction: Option<f64>,
    /// Non-activating uptake of the prodrug by cells (1/s).
    pub(crate) uptake_rate_per_s: Option<f64>,
    /// Active metabolite diffusivity (µm²/s); 0: no bystander effect.
    pub(crate) metabolite_diffusivity_um2_per_s: Option<f64>,
    /// Active metabolite half-life (s).
    pub(crate) metabolite_half_life_s: Option<f64>,
    /// Kill per exposure to the active metabolite (1/(µM·h)).
    pub(crate) kill_per_um_h: Option<f64>,
    /// Time step of the implicit transport solve (s).
    pub(crate) time_step_s: Option<f64>,
}

/// One `[[radiotherapy]]` course: either repeating (`start`, `every`, `count`, optional
/// `weekdays`) or explicit (`at`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RadiotherapySpec {
    /// Physical dose of one fraction (Gy); required.
    pub(crate) dose_gy: Option<f64>,
    /// First candidate time; 0 when absent.
    pub(crate) start: Option<DurationText>,
    /// First candidate time (hours).
    pub(crate) start_h: Option<f64>,
    /// Interval between candidate times.
    pub(crate) every: Option<DurationText>,
    /// Interval between candidate times (hours).
    pub(crate) every_h: Option<f64>,
    /// Fractions delivered.
    pub(crate) count: Option<i64>,
    /// Weekdays on which a candidate time is delivered; all days when absent.
    pub(crate) weekdays: Option<WeekdaysSpec>,
    /// Explicit fraction times, instead of `start`/`every`/`count`.
    pub(crate) at: Option<Vec<DurationText>>,
    /// Explicit fraction times (hours).
    pub(crate) at_h: Option<Vec<f64>>,
    /// Relative dose map (float32 `.npy`), relative to the protocol file's folder.
    pub(crate) dose_map_npy: Option<PathBuf>,
    /// Delivery time of one fraction (minutes); 2 when absent.
    pub(crate) fraction_minutes: Option<f64>,
}

/// A duration as written (`"36h"`); read with [`super::parse_duration`] after parsing, so
/// that errors can name the key. Only strings are accepted: a bare number is refused
/// with a pointer to the `_h` twin key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DurationText(pub String);

impl<'de> Deserialize<'de> for DurationText {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = DurationText;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(
                    "a duration text such as \"36h\", \"2d\" or \"6w\" \
                     (for a plain number of hours use the key ending in `_h`)",
                )
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<DurationText, E> {
                Ok(DurationText(v.to_string()))
            }
        }
        d.deserialize_str(V)
    }
}

/// `weekdays`: a text (`"mon-fri"`, `"mon,wed,fri"`) or a list (`["mon", "wed"]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum WeekdaysSpec {
    /// A day, a range, or several separated by commas.
    Text(String),
    /// A list whose entries are each a day or a range.
    List(Vec<String>),
}

impl<'de> Deserialize<'de> for WeekdaysSpec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = WeekdaysSpec;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("weekdays as a range such as \"mon-fri\" or a list such as [\"mon\", \"wed\", \"fri\"]")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<WeekdaysSpec, E> {
                Ok(WeekdaysSpec::Text(v.to_string()))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<WeekdaysSpec, A::Error> {
                let mut days = Vec::new();
                while let Some(day) = seq.next_element::<String>()? {
                    days.push(day);
                }
                Ok(WeekdaysSpec::List(days))
            }
        }
        d.deserialize_any(V)
    }
}
