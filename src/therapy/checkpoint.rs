//! Checkpoints of a protocol run: the complete state at the end of a step, enough to
//! continue with the same results as a run that never stopped (bitwise on the CPU
//! backend, whose kernels and reductions do not depend on thread scheduling).
//!
//! One binary file, `checkpoint.bin` in the output folder, written atomically (a
//! `.partial` file renamed over the old one). Little-endian; layout:
//! magic, format version, fingerprint of the scenario and protocol, backend kind,
//! scalars (time, next event, next snapshot, initial cell total), the timeline rows so
//! far (with their endpoint columns), then the fields (n, d, l, h, pO2, Sv, Pb, fixed
//! values, ROS and GSH when on, and each drug's), the radiotherapy endpoints' state
//! (the pre-treatment band of each voxel, Σ n per band at t = 0, the fractions
//! delivered), and an FNV-1a checksum of everything before it.

use crate::atomic;
use crate::drugs::DrugState;
use crate::hash::fnv1a;
use crate::output::timeline::{DrugColumns, EndpointColumns, Row};
pub use crate::therapy::endpoints::{EndpointState, FractionRecord};
use crate::{Error, Result};
use std::path::Path;

/// File name inside the output folder.
pub const FILE_NAME: &str = "checkpoint.bin";

const MAGIC: &[u8; 20] = b"oxyfield checkpoint\n";
/// 2: rows carry the radiotherapy endpoints, and the file ends with the endpoints'
/// state (pre-treatment bands, fraction records).
const VERSION: u32 = 2;

/// The state of a protocol run at the end of a step.
#[derive(Debug, Clone, PartialEq)]
pub struct Checkpoint {
    /// The fingerprint (a hash) of the scenario, protocol and parameters it belongs to.
    pub fingerprint: u64,
    /// "cpu" or "gpu": the backend that wrote it.
    pub backend: String,
    /// Simulated time (s).
    pub time_s: f64,
    /// Index of the next protocol event.
    pub next_event: usize,
    /// Index of the next snapshot time.
    pub next_snapshot: usize,
    /// Σ n over the region at t = 0.
    pub n0_total: f64,
    /// Timeline rows so far.
    pub rows: Vec<Row>,
    /// Viable fraction n.
    pub viable: Vec<f32>,
    /// Dead fraction d.
    pub dead: Vec<f32>,
    /// Doomed fraction l.
    pub doomed: Vec<f32>,
    /// HIF activity h.
    pub hif: Vec<f32>,
    /// pO2 (mmHg).
    pub po2: Vec<f32>,
    /// The vessels' Sv and Pb (after pruning and angiogenesis, before window factors;
    /// blood pO2 as coupled at t = 0) and the O2 problem's fixed values.
    pub sv: Vec<f32>,
    /// See `sv`.
    pub pb: Vec<f32>,
    /// See `sv`.
    pub fixed: Vec<f32>,
    /// ROS (µM) and GSH (mM), when ROS is on.
    pub ros: Option<(Vec<f32>, Vec<f32>)>,
    /// The fields of each drug of the protocol.
    pub drugs: Vec<DrugState>,
    /// The radiotherapy endpoints' state.
    pub endpoints: EndpointState,
}

/// A fingerprint of everything that decides a run's results: the scenario as parsed,
/// the expanded protocol and the model parameters (`what`: their `Debug` texts).
pub(crate) fn fingerprint(what: &[&dyn std::fmt::Debug]) -> u64 {
    let text: String = what.iter().map(|w| format!("{w:?}\u{1f}")).collect();
    fnv1a(text.as_bytes())
}

impl Checkpoint {
    /// Voxels per field.
    pub(crate) fn len(&self) -> usize {
        self.viable.len()
    }

    /// The encoded bytes.
    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer::default();
        w.bytes(MAGIC);
        w.u32(VERSION);
        w.u64(self.fingerprint);
        w.str(&self.backend);
        w.f64(self.time_s);
        w.u64(self.next_event as u64);
        w.u64(self.next_snapshot as u64);
        w.f64(self.n0_total);
        w.u64(self.rows.len() as u64);
        for r in &self.rows {
            w.f64(r.time_h);
            w.str(&r.events);
            w.f64(r.mean_po2_mmhg);
            w.f64(r.median_po2_mmhg);
            r.hypoxic_fraction.iter().for_each(|&f| w.f64(f));
            w.f64(r.viable_fraction);
            w.f64(r.dead_fraction);
            w.f64(r.doomed_fraction);
            w.f64(r.mean_hif);
            w.u32(u32::from(r.mean_ros_um.is_some()));
            w.f64(r.mean_ros_um.unwrap_or(0.0));
            w.f64(r.log10_cell_kill);
            w.f64(r.solve_seconds);
            w.u64(r.drugs.len() as u64);
            for d in &r.drugs {
                w.str(&d.name);
                for v in [d.plasma_um, d.mean_um, d.exposure_um_h, d.log10_kill] {
                    w.f64(v);
                }
            }
            r.endpoints.values().iter().for_each(|&v| w.f64(v));
        }
        w.u64(self.len() as u64);
        w.u32(u32::from(self.ros.is_some()));
        for f in [
            &self.viable,
            &self.dead,
            &self.doomed,
            &self.hif,
            &self.po2,
            &self.sv,
            &self.pb,
            &self.fixed,
        ] {
            w.f32s(f);
        }
        if let Some((ros, gsh)) = &self.ros {
            w.f32s(ros);
            w.f32s(gsh);
        }
        w.u64(self.drugs.len() as u64);
        for d in &self.drugs {
            w.f32s(&d.prodrug);
            w.f32s(&d.metabolite);
            w.f32s(&d.exposure);
        }
        let e = &self.endpoints;
        w.f32s(&e.band);
        e.n0_band.iter().for_each(|&v| w.f64(v));
        w.u64(e.fractions.len() as u64);
        for f in &e.fractions {
            for v in [f.time_h, f.physical_dose_gy, f.surviving_fraction, f.eud_gy] {
                w.f64(v);
            }
            w.u64(f.hypoxic_volume_histogram.len() as u64);
            f.hypoxic_volume_histogram.iter().for_each(|&v| w.f64(v));
        }
        let sum = fnv1a(&w.0);
        w.u64(sum);
        w.0
    }

    /// Decodes `bytes`; `file` names the source in errors.
    pub fn decode(bytes: &[u8], file: &Path) -> Result<Checkpoint> {
        let bad = |what: &str| {
            Error::input(
                file,
                format!(
                    "{what}; this file cannot be resumed from (delete it and run without \
                     --resume to start from t = 0)"
                ),
            )
        };
        if bytes.len() < MAGIC.len() + 12 || &bytes[..MAGIC.len()] != MAGIC {
            return Err(bad("is not an oxyfield checkpoint"));
        }
        let (body, sum) = bytes.split_at(bytes.len() - 8);
        if fnv1a(body).to_le_bytes() != sum {
            return Err(bad(
                "is damaged (its checksum does not match: truncated or overwritten)",
            ));
        }
        let mut r = Reader {
            bytes: &body[MAGIC.len()..],
        };
        let truncated = || bad("ends early");
        let version = r.u32().ok_or_else(truncated)?;
        if version != VERSION {
            return Err(bad(&format!(
                "has format version {version}; this oxyfield reads version {VERSION}"
            )));
        }
        let fingerprint = r.u64().ok_or_else(truncated)?;
        let backend = r.str().ok_or_else(truncated)?;
        let time_s = r.f64().ok_or_else(truncated)?;
        let next_event = r.u64().ok_or_else(truncated)? as usize;
        let next_snapshot = r.u64().ok_or_else(truncated)? as usize;
        let n0_total = r.f64().ok_or_else(truncated)?;
        // Counts are checked against the bytes left before anything is allocated, so a
        // damaged count cannot ask for more memory than the file could describe.
        let count = r.count(MIN_ROW_BYTES).ok_or_else(truncated)?;
        let mut rows = Vec::new();
        for _ in 0..count {
            rows.push(r.row().ok_or_else(truncated)?);
        }
        let len = r.u64().ok_or_else(truncated)? as usize;
        if len == 0 {
            return Err(bad("holds no voxels"));
        }
        let has_ros = r.u32().ok_or_else(truncated)? != 0;
        let mut field = || r.f32s(len).ok_or_else(truncated);
        let (viable, dead, doomed, hif) = (field()?, field()?, field()?, field()?);
        let (po2, sv, pb, fixed) = (field()?, field()?, field()?, field()?);
        let ros = if has_ros {
            Some((field()?, field()?))
        } else {
            None
        };
        let count = r.count(len.saturating_mul(12)).ok_or_else(truncated)?;
        let mut drugs = Vec::new();
        for _ in 0..count {
            let mut field = || r.f32s(len).ok_or_else(truncated);
            drugs.push(DrugState {
                prodrug: field()?,
                metabolite: field()?,
                exposure: field()?,
            });
        }
        let band = r.f32s(len).ok_or_else(truncated)?;
        let n0_band = [
            r.f64().ok_or_else(truncated)?,
            r.f64().ok_or_else(truncated)?,
            r.f64().ok_or_else(truncated)?,
        ];
        let count = r.count(5 * 8).ok_or_else(truncated)?;
        let mut fractions = Vec::new();
        for _ in 0..count {
            let mut f64s = [0.0; 4];
            for v in &mut f64s {
                *v = r.f64().ok_or_else(truncated)?;
            }
            let bins = r.count(8).ok_or_else(truncated)?;
            let hist = (0..bins)
                .map(|_| r.f64().ok_or_else(truncated))
                .collect::<Result<Vec<_>>>()?;
            fractions.push(FractionRecord {
                time_h: f64s[0],
                physical_dose_gy: f64s[1],
                surviving_fraction: f64s[2],
                eud_gy: f64s[3],
                hypoxic_volume_histogram: hist,
            });
        }
        Ok(Checkpoint {
            fingerprint,
            backend,
            time_s,
            next_event,
            next_snapshot,
            n0_total,
            rows,
            viable,
            dead,
            doomed,
            hif,
            po2,
            sv,
            pb,
            fixed,
            ros,
            drugs,
            endpoints: EndpointState {
                band,
                n0_band,
                fractions,
            },
        })
    }

    /// Writes `dir/checkpoint.bin` atomically.
    pub(crate) fn write(&self, dir: &Path) -> Result<()> {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        atomic::write(&dir.join(FILE_NAME), &self.encode())
    }

    /// Reads `dir/checkpoint.bin`.
    pub fn read(dir: &Path) -> Result<Checkpoint> {
        let path = dir.join(FILE_NAME);
        let bytes = std::fs::read(&path).map_err(|e| {
            Error::input(
                &path,
                format!(
                    "no checkpoint to resume from ({e}); run without --resume to start from \
                     t = 0, or give --out the folder of the interrupted run"
                ),
            )
        })?;
        Self::decode(&bytes, &path)
    }
}

#[derive(Default)]
struct Writer(Vec<u8>);

impl Writer {
    fn bytes(&mut self, b: &[u8]) {
        self.0.extend_from_slice(b);
    }
    fn u32(&mut self, v: u32) {
        self.bytes(&v.to_le_bytes());
    }
    fn u64(&mut self, v: u64) {
        self.bytes(&v.to_le_bytes());
    }
    fn f64(&mut self, v: f64) {
        self.bytes(&v.to_le_bytes());
    }
    fn str(&mut self, s: &str) {
        self.u64(s.len() as u64);
        self.bytes(s.as_bytes());
    }
    fn f32s(&mut self, v: &[f32]) {
        self.bytes(bytemuck::cast_slice(v));
    }
}

/// The fewest bytes a timeline row takes (its fixed fields and two empty counts).
const MIN_ROW_BYTES: usize = 8 * 14 + 4 + 8 + 8 * EndpointColumns::COUNT;
/// The fewest bytes a row's drug column takes (an empty name and four numbers).
const MIN_DRUG_COLUMN_BYTES: usize = 8 + 4 * 8;

struct Reader<'a> {
    bytes: &'a [u8],
}

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Option<&[u8]> {
        if self.bytes.len() < n {
            return None;
        }
        let (head, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Some(head)
    }
    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.take(4)?.try_into().ok()?))
    }
    fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }
    fn f64(&mut self) -> Option<f64> {
        Some(f64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }
    /// A count of items each at least `min_bytes` long, if the bytes left can hold
    /// that many.
    fn count(&mut self, min_bytes: usize) -> Option<usize> {
        let n = usize::try_from(self.u64()?).ok()?;
        (n.checked_mul(min_bytes.max(1))? <= self.bytes.len()).then_some(n)
    }
    fn str(&mut self) -> Option<String> {
        let n = usize::try_from(self.u64()?).ok()?;
        String::from_utf8(self.take(n)?.to_vec()).ok()
    }
    fn f32s(&mut self, len: usize) -> Option<Vec<f32>> {
        let b = self.take(len.checked_mul(4)?)?;
        Some(
            b.chunks_exact(4)
                .map(|c| f32::from_le_bytes(c.try_into().expect("4 bytes")))
                .collect(),
        )
    }
    fn row(&mut self) -> Option<Row> {
        let time_h = self.f64()?;
        let events = self.str()?;
        let mean_po2_mmhg = self.f64()?;
        let median_po2_mmhg = self.f64()?;
        let hypoxic_fraction = [self.f64()?, self.f64()?, self.f64()?, self.f64()?];
        let viable_fraction = self.f64()?;
        let dead_fraction = self.f64()?;
        let doomed_fraction = self.f64()?;
        let mean_hif = self.f64()?;
        let has_ros = self.u32()? != 0;
        let ros = self.f64()?;
        let log10_cell_kill = self.f64()?;
        let solve_seconds = self.f64()?;
        let count = self.count(MIN_DRUG_COLUMN_BYTES)?;
        let mut drugs = Vec::new();
        for _ in 0..count {
            drugs.push(DrugColumns {
                name: self.str()?,
                plasma_um: self.f64()?,
                mean_um: self.f64()?,
                exposure_um_h: self.f64()?,
                log10_kill: self.f64()?,
            });
        }
        let mut values = [0.0; EndpointColumns::COUNT];
        for v in &mut values {
            *v = self.f64()?;
        }
        Some(Row {
            time_h,
            events,
            mean_po2_mmhg,
            median_po2_mmhg,
            hypoxic_fraction,
            viable_fraction,
            dead_fraction,
            doomed_fraction,
            mean_hif,
            mean_ros_um: has_ros.then_some(ros),
            log10_cell_kill,
            solve_seconds,
            drugs,
            endpoints: EndpointColumns::from_values(values),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Checkpoint {
        Checkpoint {
            fingerprint: 42,
            backend: "cpu".into(),
            time_s: 7200.0,
            next_event: 3,
            next_snapshot: 1,
            n0_total: 123.5,
            rows: vec![Row {
                time_h: 2.0,
                events: "rt 2 Gy".into(),
                mean_po2_mmhg: 10.1,
                median_po2_mmhg: 9.9,
                hypoxic_fraction: [0.01, 0.2, 0.3, 0.5],
                viable_fraction: 0.8,
                dead_fraction: 0.15,
                doomed_fraction: 0.05,
                mean_hif: 0.3,
                mean_ros_um: Some(0.03),
                log10_cell_kill: f64::INFINITY,
                solve_seconds: 0.25,
                drugs: vec![DrugColumns {
                    name: "evo".into(),
                    plasma_um: 3.0,
                    mean_um: 1.5,
                    exposure_um_h: 0.25,
                    log10_kill: 0.125,
                }],
                endpoints: EndpointColumns {
                    surviving_clonogens: 12.5,
                    tcp: (-12.5f64).exp(),
                    surviving_fraction_by_pre_po2: [Some(0.5), None, Some(0.25)],
                    log10_kill_by_pre_po2: [Some(0.3), None, Some(0.6)],
                    hypoxic_share_of_survivors: 0.125,
                    eud_cumulative_gy: 1.5,
                    physical_dose_cumulative_gy: 2.0,
                },
            }],
            viable: vec![1.0, 0.5],
            dead: vec![0.0, 0.5],
            doomed: vec![0.0, 0.25],
            hif: vec![0.1, 0.9],
            po2: vec![3.0, f32::MIN_POSITIVE],
            sv: vec![0.0, 0.1],
            pb: vec![0.0, 40.0],
            fixed: vec![-1.0, -1.0],
            ros: Some((vec![0.01, 0.02], vec![6.5, 6.4])),
            drugs: vec![DrugState {
                prodrug: vec![1.0, 2.0],
                metabolite: vec![0.5, 0.25],
                exposure: vec![0.0, 0.125],
            }],
            endpoints: EndpointState {
                band: vec![1.0, 3.0],
                n0_band: [1.0, 0.0, 0.5],
                fractions: vec![FractionRecord {
                    time_h: 0.0,
                    physical_dose_gy: 2.0,
                    surviving_fraction: 0.6,
                    eud_gy: 1.5,
                    hypoxic_volume_histogram: vec![0.25, 0.75],
                }],
            },
        }
    }

    #[test]
    fn round_trips_bitwise() {
        let c = sample();
        let back = Checkpoint::decode(&c.encode(), Path::new("c.bin")).unwrap();
        assert_eq!(back, c);
        let no_ros = Checkpoint { ros: None, ..c };
        let back = Checkpoint::decode(&no_ros.encode(), Path::new("c.bin")).unwrap();
        assert_eq!(back, no_ros);
    }

    #[test]
    fn damaged_or_foreign_files_are_refused_with_the_file_named() {
        let mut bytes = sample().encode();
        let n = bytes.len();
        bytes[n / 2] ^= 1;
        let e = Checkpoint::decode(&bytes, Path::new("run/checkpoint.bin")).unwrap_err();
        let msg = e.to_string();
        assert!(
            msg.contains("run/checkpoint.bin") && msg.contains("damaged"),
            "{msg}"
        );
        let e = Checkpoint::decode(b"hello", Path::new("x.bin")).unwrap_err();
        assert!(e.to_string().contains("not an oxyfield checkpoint"), "{e}");
        let truncated = &sample().encode()[..100];
        assert!(Checkpoint::decode(truncated, Path::new("x.bin")).is_err());
    }
}
