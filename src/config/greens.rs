//! `[vessels.network] solute_params`: a GreensV4 `SoluteParams.dat` whose oxygen and
//! blood values, converted to oxyfield's units, fill the scenario keys that the
//! scenario itself leaves out (docs/model.md, "GreensV4 inputs").
//!
//! Precedence: a key written in the scenario (or set by a sweep's `[vary]` or the
//! Python module's overrides, which rewrite the scenario's TOML) wins over the file;
//! the file wins over the defaults. Whether a key is written is read from the TOML
//! itself, so a scenario that writes a default value on purpose keeps it.
//!
//! Each value taken, and each one not taken, is logged once per process at info level
//! (`oxyfield run` and `check` print it on stderr), with its line in the file and the
//! conversion.

use super::greens_params::{self, Conversion};
use super::schema::ScenarioFile;
use super::MAX_VALUE;
use crate::{Error, Result};
use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Mutex;

/// `spec` with the values of its `solute_params` file where `text` (the scenario's
/// TOML) does not set them; unchanged when there is no such file. Also returns the
/// lines that say what was taken (see [`log_notes`]).
pub(super) fn apply(
    text: &str,
    mut spec: ScenarioFile,
    base_dir: &Path,
) -> Result<(ScenarioFile, Vec<Note>)> {
    let Some(rel) = spec
        .vessels
        .network
        .as_ref()
        .and_then(|n| n.solute_params.clone())
    else {
        return Ok((spec, Vec::new()));
    };
    let path = if rel.is_absolute() {
        rel
    } else {
        base_dir.join(rel)
    };
    let g = greens_params::read_solute_params(&path)?;
    // The text parsed into `spec` already, so it parses as a table too.
    let table: toml::Table = toml::from_str(text).unwrap_or_default();
    let at = format!("GreensV4 {}", path.display());
    let mut notes = Vec::new();
    for c in g.conversions(spec.vessels.transport.alpha_tissue) {
        if !(c.value.is_finite() && c.value < MAX_VALUE) {
            return Err(Error::input(
                &path,
                format!(
                    "line {}: {} gives {} = {:e}, above oxyfield's limit of 1e9: check the \
                     value's unit ({}) or set {} in the scenario",
                    c.line, c.from, c.key, c.value, c.from, c.key
                ),
            ));
        }
        match written(&table, c.key) {
            Some(v) => notes.push(Note::info(format!(
                "{at}: line {}: {} (= {}) not used: the scenario sets {} = {v}",
                c.line, c.from, c.to, c.key
            ))),
            None => {
                set(&mut spec, &c);
                notes.push(Note::info(format!(
                    "{at}: line {}: {} → {} = {}",
                    c.line, c.from, c.key, c.to
                )));
            }
        }
    }
    let column = 5 + g.permeable_before_oxygen;
    let fallback = spec
        .vessels
        .network
        .as_ref()
        .map_or(40.0, |n| n.blood_po2_mmhg);
    notes.push(Note::info(format!(
        "{at}: inflow pO2 is network.dat's, as in GreensV4: the pO2 column (5) of each \
         boundary row, in mmHg; a boundary node without one takes \
         vessels.network.blood_po2_mmhg = {}",
        greens_params::num(fallback)
    )));
    if column != 5 {
        notes.push(Note::warn(format!(
            "{at}: oxygen is solute {} of {}, after {} permeable solute(s), so GreensV4 reads \
             its inflow pO2 from column {column} of network.dat's boundary rows; oxyfield \
             reads column 5: make oxygen solute 1, or move the pO2 values to column 5",
            g.oxygen_solute, g.solutes, g.permeable_before_oxygen
        )));
    }
    if let Some(dir) = path.parent() {
        if dir.join("VaryParams.dat").is_file() {
            notes.push(Note::warn(format!(
                "{at}: {} is not read (GreensV4 takes other values of q0fac, D·α, tissue \
                 parameters or P50 from it, run by run): set such values in the scenario, \
                 or vary them with a sweep",
                dir.join("VaryParams.dat").display()
            )));
        }
    }
    Ok((spec, notes))
}

/// A line about the file's values, logged at its level.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Note {
    /// True for a warning (something the run will not do as GreensV4 does).
    pub(crate) warn: bool,
    /// The line.
    pub(crate) text: String,
}

impl Note {
    fn info(text: String) -> Note {
        Note { warn: false, text }
    }
    fn warn(text: String) -> Note {
        Note { warn: true, text }
    }
}

/// Logs each note once per process: a scenario loaded again (checked, then run; each
/// point of a sweep) says it once.
pub(super) fn log_notes(notes: &[Note]) {
    static SEEN: Mutex<BTreeSet<String>> = Mutex::new(BTreeSet::new());
    let mut seen = SEEN.lock().unwrap_or_else(|e| e.into_inner());
    for n in notes {
        if seen.insert(n.text.clone()) {
            if n.warn {
                log::warn!("{}", n.text);
            } else {
                log::info!("{}", n.text);
            }
        }
    }
}

/// The value at dotted `key` in the scenario's TOML, when written there.
fn written<'t>(table: &'t toml::Table, key: &str) -> Option<&'t toml::Value> {
    let (parents, last) = key.rsplit_once('.').unwrap_or(("", key));
    let mut t = table;
    for seg in parents.split('.').filter(|s| !s.is_empty()) {
        t = t.get(seg)?.as_table()?;
    }
    t.get(last)
}

/// Sets the scenario value that `c` names.
fn set(spec: &mut ScenarioFile, c: &Conversion) {
    let tr = &mut spec.vessels.transport;
    let slot = match c.key {
        "oxygen.diffusivity_um2_per_s" => &mut spec.oxygen.diffusivity_um2_per_s,
        "oxygen.max_consumption_mmhg_per_s" => &mut spec.oxygen.max_consumption_mmhg_per_s,
        "oxygen.km_mmhg" => &mut spec.oxygen.km_mmhg,
        "vessels.transport.p50_mmhg" => &mut tr.p50_mmhg,
        "vessels.transport.hill_n" => &mut tr.hill_n,
        "vessels.transport.c0" => &mut tr.c0,
        "vessels.transport.alpha_blood" => &mut tr.alpha_blood,
        "vessels.network.flow_scale" => match spec.vessels.network.as_mut() {
            Some(n) => &mut n.flow_scale,
            None => return,
        },
        // Every key `conversions` gives is above (checked by a test).
        _ => return,
    };
    *slot = c.value;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Scenario;
    use std::path::PathBuf;

    fn tumor1998() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/greens/Tumor1998")
    }

    fn load(extra: &str) -> Result<Scenario> {
        let text = format!(
            "[grid]\nshape_zyx = [4, 4, 4]\nspacing_um = 10.0\n\
             [vessels.network]\nfile = \"network.dat\"\nsolute_params = \"SoluteParams.dat\"\n\
             {extra}"
        );
        Scenario::from_toml(&text, "s.toml", "s", tumor1998())
    }

    #[test]
    fn file_values_fill_the_keys_the_scenario_leaves_out() {
        let sc = load("").unwrap();
        let s = &sc.spec;
        assert_eq!(s.oxygen.diffusivity_um2_per_s, 1400.0);
        assert!((s.oxygen.max_consumption_mmhg_per_s - 16.666_666_666_7).abs() < 1e-9);
        assert_eq!(s.oxygen.km_mmhg, 1.0);
        let t = &s.vessels.transport;
        assert_eq!(
            (t.p50_mmhg, t.hill_n, t.c0, t.alpha_blood),
            (38.0, 3.0, 0.5, 3.1e-5)
        );
        assert_eq!(s.vessels.network.as_ref().unwrap().flow_scale, 1.333333);
        // Not in the file: defaults stay.
        assert_eq!(s.oxygen.wall_permeability_um_per_s, 1000.0);
        assert_eq!(t.alpha_tissue, 3.0e-5);
        assert_eq!(sc.o2_params().diffusivity_um2_per_s, 1400.0);
    }

    #[test]
    fn keys_the_scenario_writes_win_even_at_their_default() {
        let sc = load(
            "flow_scale = 1.0\n[oxygen]\nkm_mmhg = 2.5\nmax_consumption_mmhg_per_s = 15.0\n\
             [vessels.transport]\nalpha_tissue = 2.0e-5\np50_mmhg = 26.0\n",
        )
        .unwrap();
        let s = &sc.spec;
        assert_eq!(s.oxygen.km_mmhg, 2.5);
        assert_eq!(
            s.oxygen.max_consumption_mmhg_per_s, 15.0,
            "the default, written"
        );
        assert_eq!(s.vessels.transport.p50_mmhg, 26.0);
        assert_eq!(s.vessels.network.as_ref().unwrap().flow_scale, 1.0);
        // D takes the scenario's αt.
        assert_eq!(s.oxygen.diffusivity_um2_per_s, 2100.0);
        assert_eq!(s.vessels.transport.hill_n, 3.0);
        // Overrides (sweeps, Python) rewrite the TOML, so they win too.
        let mut o = serde_json::Map::new();
        o.insert("oxygen.diffusivity_um2_per_s".into(), 1800.0.into());
        let sc = sc.with_overrides(&o).unwrap();
        assert_eq!(sc.spec.oxygen.diffusivity_um2_per_s, 1800.0);
        assert_eq!(sc.spec.vessels.transport.hill_n, 3.0);
    }

    #[test]
    fn notes_say_what_was_taken_and_what_not() {
        let text = "[grid]\nshape_zyx = [4, 4, 4]\nspacing_um = 10.0\n\
                    [oxygen]\nkm_mmhg = 2.5\n\
                    [vessels.network]\nfile = \"network.dat\"\nsolute_params = \"SoluteParams.dat\"\n";
        let spec: ScenarioFile = toml::from_str(text).unwrap();
        let (_, notes) = apply(text, spec, &tumor1998()).unwrap();
        let lines: Vec<&str> = notes.iter().map(|n| n.text.as_str()).collect();
        let has = |s: &str| lines.iter().any(|l| l.contains(s));
        assert!(
            has(
                "line 15: D·α = 4.2e-10 cm³O2/cm/s/mmHg → oxygen.diffusivity_um2_per_s = \
                 1400 µm²/s (÷ αt = 3e-5 cm³O2/cm³/mmHg, × 1e8 µm²/cm²)"
            ),
            "{lines:#?}"
        );
        assert!(has(
            "line 16: M0 = 5e-4 cm³O2/cm³/s → oxygen.max_consumption_mmhg_per_s = 16.6667 mmHg/s"
        ));
        assert!(has(
            "line 17: Km = 1 mmHg (= 1 mmHg) not used: the scenario sets oxygen.km_mmhg = 2.5"
        ));
        assert!(has(
            "line 6: P50 = 38 mmHg → vessels.transport.p50_mmhg = 38 mmHg"
        ));
        assert!(has("line 7: Hill n = 3 → vessels.transport.hill_n = 3"));
        assert!(has(
            "line 8: c0 = 0.5 cm³O2/cm³ red cells → vessels.transport.c0 = 0.5"
        ));
        assert!(has(
            "line 9: αb = 3.1e-5 cm³O2/cm³/mmHg → vessels.transport.alpha_blood"
        ));
        assert!(has(
            "line 10: q0fac = 1.333333 → vessels.network.flow_scale = 1.333333"
        ));
        assert!(has("inflow pO2 is network.dat's"));
        assert!(notes.iter().all(|n| !n.warn), "{notes:#?}");
        assert_eq!(notes.len(), 9);
    }

    #[test]
    fn every_conversion_key_has_a_slot() {
        let sc = load("").unwrap();
        let g = greens_params::read_solute_params(&tumor1998().join("SoluteParams.dat")).unwrap();
        for c in g.conversions(3e-5) {
            let mut spec = sc.spec.clone();
            let c = Conversion { value: 12.5, ..c };
            set(&mut spec, &c);
            let got = written(&spec_values(&spec), c.key).and_then(toml::Value::as_float);
            assert_eq!(got, Some(12.5), "{}", c.key);
        }
    }

    /// The values `set` can change, as a TOML table at their dotted keys.
    fn spec_values(s: &ScenarioFile) -> toml::Table {
        let mut t = toml::Table::new();
        let t_ = &s.vessels.transport;
        let flow = s
            .vessels
            .network
            .as_ref()
            .map_or(f64::NAN, |n| n.flow_scale);
        for (k, v) in [
            (
                "oxygen.diffusivity_um2_per_s",
                s.oxygen.diffusivity_um2_per_s,
            ),
            (
                "oxygen.max_consumption_mmhg_per_s",
                s.oxygen.max_consumption_mmhg_per_s,
            ),
            ("oxygen.km_mmhg", s.oxygen.km_mmhg),
            ("vessels.transport.p50_mmhg", t_.p50_mmhg),
            ("vessels.transport.hill_n", t_.hill_n),
            ("vessels.transport.c0", t_.c0),
            ("vessels.transport.alpha_blood", t_.alpha_blood),
            ("vessels.network.flow_scale", flow),
        ] {
            super::super::overrides::set_dotted(&mut t, k, toml::Value::Float(v));
        }
        t
    }

    #[test]
    fn errors_name_the_file_and_line() {
        let e = load("").map(|_| ()).err();
        assert!(e.is_none(), "{e:?}");
        let dir = tempfile::tempdir().unwrap();
        let bad = std::fs::read_to_string(tumor1998().join("SoluteParams.dat"))
            .unwrap()
            .replacen("4.20E-10", "4.2e3", 1);
        std::fs::write(dir.path().join("SoluteParams.dat"), bad).unwrap();
        let text = "[grid]\nshape_zyx = [4, 4, 4]\nspacing_um = 10.0\n\
                    [vessels.network]\nfile = \"n.dat\"\nsolute_params = \"SoluteParams.dat\"\n";
        let e = Scenario::from_toml(text, "s.toml", "s", dir.path().to_path_buf())
            .unwrap_err()
            .to_string();
        assert!(
            e.contains(
                "SoluteParams.dat: line 15: D·α = 4200 cm³O2/cm/s/mmHg gives \
                        oxygen.diffusivity_um2_per_s = 1.4e16"
            ),
            "{e}"
        );
        let e = Scenario::from_toml(
            &text.replace("SoluteParams.dat", "missing.dat"),
            "s.toml",
            "s",
            dir.path().to_path_buf(),
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("missing.dat: cannot read") && e.contains("relative to the scenario"),
            "{e}"
        );
    }

    #[test]
    fn warnings_for_what_greens_would_do_otherwise() {
        let dir = tempfile::tempdir().unwrap();
        // Oxygen second, after a permeable drug; a VaryParams.dat beside it.
        let text = "t\n1 1 3\n2 2 100\n1e-4\n50\n26\n2.7\n0.5\n3.1e-5\n1\n2 2\n\
                    Solute 1 - drug\n1 1 0\n50\n4e-7\n0.1\n0.2\n50\n1\n\
                    Solute 2 - oxygen\n1 1 1\n100\n4.2e-10\n4e-4\n2\n5\n1\n";
        std::fs::write(dir.path().join("SoluteParams.dat"), text).unwrap();
        std::fs::write(dir.path().join("VaryParams.dat"), "x\n").unwrap();
        let toml = "[grid]\nshape_zyx = [4, 4, 4]\nspacing_um = 10.0\n\
                    [vessels.network]\nfile = \"n.dat\"\nsolute_params = \"SoluteParams.dat\"\n";
        let spec: ScenarioFile = toml::from_str(toml).unwrap();
        let (_, notes) = apply(toml, spec, dir.path()).unwrap();
        let warns: Vec<&str> = notes
            .iter()
            .filter(|n| n.warn)
            .map(|n| n.text.as_str())
            .collect();
        assert_eq!(warns.len(), 2, "{warns:#?}");
        assert!(warns[0].contains("oxygen is solute 2 of 2") && warns[0].contains("column 6"));
        assert!(warns[1].contains("VaryParams.dat is not read"));
    }
}
