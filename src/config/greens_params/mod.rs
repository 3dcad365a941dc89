//! GreensV4's parameter files beside a `network.dat`: the oxygen block and blood
//! parameters of `SoluteParams.dat`, and the oxygen table of `IntravascRes.dat`. Both
//! are plain text, read the way GreensV4's `input.cpp` reads them: numbers first on a
//! line, anything after them a comment. The values come back as written in the file
//! (GreensV4's units); [`GreensOxygen::conversions`] turns them into scenario keys
//! (docs/model.md, "GreensV4 inputs").
//!
//! `SoluteParams.dat`, line by line (blank lines before a number line are skipped, as
//! `fscanf` skips them):
//!
//! ```text
//! title                                          (any text)
//! rungreens g0method linmethod                   3 integers  ┐
//! nmaxvessel nmaxtissue nmax                     3 integers  │ read, not used
//! errfac                                                     │
//! lowflowcrit                                                ┘
//! P50 (mmHg)
//! n (Hill exponent)
//! c0: O2 binding capacity of red cells (cm³ O2 / cm³)
//! αb: O2 solubility in blood (cm³ O2 / cm³ / mmHg)
//! q0fac: factor on every flow of network.dat
//! nsp ntissparams                                number of solutes, tissue parameters each
//! then per solute (nsp blocks; later blocks are ignored, as GreensV4 ignores them):
//!   title                                        (any text, e.g. "Solute 1 - oxygen")
//!   permsolute diffsolute oxygen                 3 integers; oxygen = 1 marks oxygen
//!   pref
//!   diff: for oxygen D·α (cm³ O2 / cm / s / mmHg)
//!   ntissparams lines tissparam[1..]             oxygen: M0 (cm³ O2/cm³/s), Km (mmHg), …
//!   g0
//!   g0fac
//! ```
//!
//! Oxygen is the solute whose `oxygen` flag is 1; exactly one must have it, and it
//! needs `ntissparams` ≥ 2. M0 and Km are GreensV4's `tissparam[1]` and `tissparam[2]`
//! as its sample `tissrate.cpp.dat` files use them (`m0·p/(p + pcr)`); a study whose
//! own `tissrate.cpp.dat` reads them otherwise needs its values set in the scenario.
//!
//! `IntravascRes.dat`: per solute, in solute order, a line `count title`; when the
//! count is not 0, a header line and `count` rows `diameter(µm) K` (for oxygen K in
//! mmHg·µm·s/µm³ O2). Only the sections up to the one asked for are read.
//!
//! Errors are [`crate::Error::Input`] naming the file, the line, what was expected
//! there and the fix; no input makes the readers panic (fuzzed: `fuzz/`, target
//! `greens`).

mod intravasc_res;
mod solute_params;

use crate::error::{parse_finite, read_bytes};
use crate::{Error, Result};
use std::path::Path;

pub use intravasc_res::parse_intravasc_res;
pub use solute_params::parse_solute_params;

/// A value of the file and the line (1-based) it stands on.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Number {
    /// The value as written in the file.
    pub value: f64,
    /// Its line (1-based).
    pub line: usize,
}

/// The oxygen and blood values of a GreensV4 `SoluteParams.dat`, in the file's units.
#[derive(Debug, Clone, PartialEq)]
pub struct GreensOxygen {
    /// The file's first line.
    pub title: String,
    /// P50 (mmHg).
    pub p50_mmhg: Number,
    /// Hill exponent n.
    pub hill_n: Number,
    /// O2 binding capacity of red cells, GreensV4's `cs` (cm³ O2 / cm³ red cells; its
    /// sample files' comments say cm³/cm³/mmHg, but the value is a capacity).
    pub c0: Number,
    /// Effective O2 solubility in blood αb (cm³ O2 / cm³ / mmHg).
    pub alpha_blood: Number,
    /// q0fac: every flow of `network.dat` is multiplied by it.
    pub q0fac: Number,
    /// Number of solutes (nsp).
    pub solutes: usize,
    /// Tissue parameters per solute (ntissparams).
    pub tissue_params: usize,
    /// The oxygen solute's number, 1-based, as GreensV4 counts solutes.
    pub oxygen_solute: usize,
    /// Permeable solutes before the oxygen solute: `network.dat` boundary rows hold
    /// one value per permeable solute after the haematocrit, so oxygen's pO2 is in
    /// column 5 + this (oxyfield reads column 5).
    pub permeable_before_oxygen: usize,
    /// The oxygen solute's title line.
    pub oxygen_title: String,
    /// Tissue D·α (cm³ O2 / cm / s / mmHg).
    pub diff_alpha: Number,
    /// Maximum consumption rate M0 (cm³ O2 / cm³ / s), `tissparam[1]`.
    pub m0: Number,
    /// Michaelis constant Km (mmHg), `tissparam[2]`.
    pub km_mmhg: Number,
}

/// One value of the file as a scenario key.
#[derive(Debug, Clone, PartialEq)]
pub struct Conversion {
    /// The dotted scenario key it sets, e.g. `"oxygen.diffusivity_um2_per_s"`.
    pub key: &'static str,
    /// The value in the key's unit, rounded to 12 significant digits (so that
    /// 4.2e-10 / 3e-5 × 1e8 is 1400, not 1400.0000000000002).
    pub value: f64,
    /// Its line in the file.
    pub line: usize,
    /// The file's value with its name and unit, e.g. `"D·α = 4.2e-10 cm³O2/cm/s/mmHg"`.
    pub from: String,
    /// The value with its unit and how it was converted, e.g.
    /// `"1400 µm²/s (÷ αt = 3e-5 cm³O2/cm³/mmHg, × 1e8 µm²/cm²)"`.
    pub to: String,
}

impl GreensOxygen {
    /// The file's values as scenario keys, with `alpha_tissue` αt (cm³ O2 / cm³ /
    /// mmHg) turning O2 volumes into partial pressures: D = D·α / αt × 1e8 (cm² →
    /// µm²), M = M0 / αt; the rest keep their value.
    pub fn conversions(&self, alpha_tissue: f64) -> Vec<Conversion> {
        let at = num(alpha_tissue);
        // A value taken as it is: `label = value unit_in` → `value unit_out`.
        let same = |key, n: Number, label: &str, unit_in: &str, unit_out: &str| Conversion {
            key,
            value: n.value,
            line: n.line,
            from: format!("{label} = {}{unit_in}", num(n.value)),
            to: format!("{}{unit_out}", num(n.value)),
        };
        let d = round12(self.diff_alpha.value / alpha_tissue * 1e8);
        let m = round12(self.m0.value / alpha_tissue);
        vec![
            Conversion {
                key: "oxygen.diffusivity_um2_per_s",
                value: d,
                line: self.diff_alpha.line,
                from: format!("D·α = {} cm³O2/cm/s/mmHg", num(self.diff_alpha.value)),
                to: format!(
                    "{} µm²/s (÷ αt = {at} cm³O2/cm³/mmHg, × 1e8 µm²/cm²)",
                    num(round6(d))
                ),
            },
            Conversion {
                key: "oxygen.max_consumption_mmhg_per_s",
                value: m,
                line: self.m0.line,
                from: format!("M0 = {} cm³O2/cm³/s", num(self.m0.value)),
                to: format!("{} mmHg/s (÷ αt = {at} cm³O2/cm³/mmHg)", num(round6(m))),
            },
            same("oxygen.km_mmhg", self.km_mmhg, "Km", " mmHg", " mmHg"),
            same(
                "vessels.transport.p50_mmhg",
                self.p50_mmhg,
                "P50",
                " mmHg",
                " mmHg",
            ),
            same("vessels.transport.hill_n", self.hill_n, "Hill n", "", ""),
            same(
                "vessels.transport.c0",
                self.c0,
                "c0",
                " cm³O2/cm³ red cells",
                " cm³O2/cm³",
            ),
            same(
                "vessels.transport.alpha_blood",
                self.alpha_blood,
                "αb",
                " cm³O2/cm³/mmHg",
                " cm³O2/cm³/mmHg",
            ),
            same(
                "vessels.network.flow_scale",
                self.q0fac,
                "q0fac",
                "",
                " (× every flow of network.dat)",
            ),
        ]
    }
}

/// The largest parameter file read (GreensV4's are a few KB).
const MAX_BYTES: u64 = 1 << 20;

/// The bytes of a parameter file: a regular file of at most [`MAX_BYTES`], so that a
/// wrong path (a device, a fifo, a huge file) cannot make the read endless or huge;
/// the scenario reads this file as it loads, before anything else is checked.
fn read_small(path: &Path, what: &str) -> Result<Vec<u8>> {
    match std::fs::metadata(path) {
        Ok(m) if !m.is_file() => Err(Error::input(
            path,
            format!("this is not a regular file; name the {what} itself"),
        )),
        Ok(m) if m.len() > MAX_BYTES => Err(Error::input(
            path,
            format!(
                "this file is {} bytes; a {what} is a few KB (at most 1 MiB read): is it the \
                 right file?",
                m.len()
            ),
        )),
        _ => read_bytes(path, what),
    }
}

/// Reads the oxygen block and blood parameters of a GreensV4 `SoluteParams.dat`.
pub fn read_solute_params(path: &Path) -> Result<GreensOxygen> {
    let bytes = read_small(path, "GreensV4 SoluteParams.dat")?;
    parse_solute_params(&String::from_utf8_lossy(&bytes), path)
}

/// Reads the oxygen table of a GreensV4 `IntravascRes.dat`: the first section, since
/// oxygen is solute 1 in every GreensV4 sample (use [`read_intravasc_res_solute`] with
/// [`GreensOxygen::oxygen_solute`] otherwise). Points are (diameter µm, K
/// mmHg·µm·s/µm³ O2), diameters strictly increasing, K > 0.
pub fn read_intravasc_res(path: &Path) -> Result<Vec<(f64, f64)>> {
    read_intravasc_res_solute(path, 1)
}

/// Reads the table of solute `solute` (1-based) of a GreensV4 `IntravascRes.dat`.
pub fn read_intravasc_res_solute(path: &Path, solute: usize) -> Result<Vec<(f64, f64)>> {
    let bytes = read_small(path, "GreensV4 IntravascRes.dat")?;
    parse_intravasc_res(&String::from_utf8_lossy(&bytes), path, solute)
}

/// The lines of a file with 1-based numbers.
struct Lines<'a> {
    lines: Vec<&'a str>,
    next: usize,
    file: &'a Path,
}

impl<'a> Lines<'a> {
    fn new(text: &'a str, file: &'a Path) -> Self {
        Lines {
            lines: text.lines().collect(),
            next: 0,
            file,
        }
    }

    fn err(&self, line: usize, msg: impl std::fmt::Display) -> Error {
        Error::input(self.file, format!("line {line}: {msg}"))
    }

    /// The next line that is not blank, with its number.
    fn nonblank(&mut self) -> Option<(usize, &'a str)> {
        while let Some(line) = self.lines.get(self.next) {
            self.next += 1;
            if !line.trim().is_empty() {
                return Some((self.next, line));
            }
        }
        None
    }

    /// The next non-blank line as `n` numbers first (the rest a comment). `what` names
    /// the line in messages; `hint` is added when the line holds text where the
    /// numbers should be (a layout slip: a missing or extra line above it).
    fn numbers(&mut self, what: &str, n: usize, hint: &str) -> Result<(usize, Vec<f64>)> {
        let Some((ln, line)) = self.nonblank() else {
            return Err(Error::input(
                self.file,
                format!(
                    "the file ends where the {what} line should be; the file is truncated \
                     (or a count above it is too large){hint}"
                ),
            ));
        };
        let toks: Vec<&str> = line.split_whitespace().take(n).collect();
        let mut out = Vec::with_capacity(n);
        for (k, tok) in toks.iter().enumerate() {
            match parse_finite(tok, "the value") {
                Ok(v) => out.push(v),
                Err(m) if k == 0 => {
                    return Err(self.err(
                        ln,
                        format!(
                            "expected the {what} ({n} number(s) first, then any comment), \
                             found '{}': {m}{hint}",
                            line.trim()
                        ),
                    ))
                }
                Err(m) => {
                    return Err(self.err(
                        ln,
                        format!(
                            "expected the {what}: {n} numbers first; number {} {}",
                            k + 1,
                            m.trim_start_matches("the value ")
                        ),
                    ))
                }
            }
        }
        if out.len() < n {
            return Err(self.err(
                ln,
                format!(
                    "expected the {what}: {n} numbers first, found {} ('{}')",
                    out.len(),
                    line.trim()
                ),
            ));
        }
        Ok((ln, out))
    }

    /// [`Self::numbers`] for one number.
    fn number(&mut self, what: &str, hint: &str) -> Result<Number> {
        let (line, v) = self.numbers(what, 1, hint)?;
        Ok(Number { value: v[0], line })
    }
}

/// A count or flag written as an integer (also as an integral float, "3.0").
fn integer(v: f64) -> Option<i64> {
    (v.fract() == 0.0 && v.abs() < 1e15).then_some(v as i64)
}

/// True when a line's first token is a number (a data line, not a title).
fn starts_with_number(line: &str) -> bool {
    line.split_whitespace()
        .next()
        .is_some_and(|t| t.parse::<f64>().is_ok())
}

/// Rounds to 12 significant digits (the f64 noise of a unit conversion).
fn round12(v: f64) -> f64 {
    format!("{v:.11e}").parse().unwrap_or(v)
}

/// Rounds to 6 significant digits, for printing.
fn round6(v: f64) -> f64 {
    format!("{v:.5e}").parse().unwrap_or(v)
}

/// A value as people write it: `4.2e-10`, `3e-5`, `1400`, `1.333333`.
pub(crate) fn num(v: f64) -> String {
    if v != 0.0 && (v.abs() < 1e-3 || v.abs() >= 1e7) {
        format!("{v:e}")
    } else {
        format!("{v}")
    }
}

#[cfg(test)]
mod tests;
