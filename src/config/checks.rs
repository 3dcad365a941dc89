//! Checks of a scenario's values and their combinations (grid, oxygen, solver,
//! vessels, fixed regions, output and figures), each error naming the file and the key;
//! the model tables' checks are in `model_checks.rs`.

use super::{schema, Scenario, MAX_VALUE};
use crate::{Error, Result};

/// The thickest `boundary.medium_um` accepted (µm): 10 mm, beyond any block's far field.
pub(crate) const MAX_MEDIUM_UM: f64 = 10_000.0;

impl Scenario {
    pub(super) fn err(&self, key: &str, msg: impl std::fmt::Display) -> Error {
        Error::input(&self.origin, format!("`{key}`: {msg}"))
    }

    pub(super) fn positive(&self, key: &str, v: f64, hint: &str) -> Result<()> {
        if v.is_finite() && v > 0.0 && v < MAX_VALUE {
            Ok(())
        } else {
            Err(self.err(
                key,
                format!("is {v}, must be a positive number below 1e9 ({hint})"),
            ))
        }
    }

    pub(super) fn non_negative(&self, key: &str, v: f64, hint: &str) -> Result<()> {
        if (0.0..MAX_VALUE).contains(&v) {
            Ok(())
        } else {
            Err(self.err(key, format!("is {v}, must be ≥ 0 and below 1e9 ({hint})")))
        }
    }

    /// Colour limits [low, high]: finite, below 1e9 in size, low < high, and far
    /// enough apart for colour bars and their ticks.
    pub(super) fn colour_limits(&self, key: &str, v: [f64; 2], example: &str) -> Result<()> {
        let [lo, hi] = v;
        let size = lo.abs().max(hi.abs());
        if lo.is_finite() && hi.is_finite() && size < MAX_VALUE && hi - lo > 1e-6 * size.max(1e-6) {
            Ok(())
        } else {
            Err(self.err(
                key,
                format!(
                    "is {v:?}, must be [low, high] with low < high (apart by more than a \
                     millionth of their size, and below 1e9), e.g. {example}"
                ),
            ))
        }
    }

    pub(super) fn range_pair(&self, key: &str, v: [f64; 2], positive: bool) -> Result<()> {
        let ok = v
            .iter()
            .all(|x| x.is_finite() && *x < MAX_VALUE && (*x > 0.0 || (!positive && *x >= 0.0)))
            && v[0] <= v[1];
        if ok {
            Ok(())
        } else {
            Err(self.err(
                key,
                format!(
                    "is {v:?}, must be [low, high] with low ≤ high and both {}",
                    if positive { "> 0" } else { "≥ 0" }
                ),
            ))
        }
    }

    pub(super) fn check(&self) -> Result<()> {
        let s = &self.spec;
        if self.name.is_empty()
            || self.name.starts_with('.')
            || !self
                .name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
        {
            return Err(self.err(
                "name",
                format!(
                    "\"{}\" is used as a folder name: use letters, digits, '.', '_' and '-' only, not starting with '.'",
                    self.name
                ),
            ));
        }
        let shape = s.grid.shape_zyx;
        if shape.contains(&0) {
            return Err(self.err(
                "grid.shape_zyx",
                format!("is {shape:?}: every size must be ≥ 1 (voxels along z, y, x)"),
            ));
        }
        let total: f64 = shape.iter().map(|&n| n as f64).product();
        if total > (1u64 << 31) as f64 {
            return Err(self.err(
                "grid.shape_zyx",
                format!(
                    "is {shape:?}, {total:.3e} voxels, more than 2³¹ (2.147e9): use fewer, \
                     larger voxels (raise grid.spacing_um) or a smaller block"
                ),
            ));
        }
        self.positive(
            "grid.spacing_um",
            s.grid.spacing_um,
            "voxel edge in µm, e.g. 10",
        )?;
        if s.grid.spacing_um < 1e-3 {
            return Err(self.err(
                "grid.spacing_um",
                format!(
                    "is {} µm, below 1 nm, where the float32 kernels overflow: check the \
                     units (the voxel edge in µm, e.g. 10)",
                    s.grid.spacing_um
                ),
            ));
        }
        let o = &s.oxygen;
        self.positive(
            "oxygen.diffusivity_um2_per_s",
            o.diffusivity_um2_per_s,
            "tissue 1400–2750",
        )?;
        self.non_negative(
            "oxygen.max_consumption_mmhg_per_s",
            o.max_consumption_mmhg_per_s,
            "tumour tissue 13–17",
        )?;
        self.non_negative(
            "oxygen.km_mmhg",
            o.km_mmhg,
            "1–4; 0 means zero-order uptake",
        )?;
        self.non_negative(
            "oxygen.wall_permeability_um_per_s",
            o.wall_permeability_um_per_s,
            "290–1100",
        )?;
        let n = s.tissue.viable_fraction;
        if !(0.0..=1.0).contains(&n) {
            return Err(self.err(
                "tissue.viable_fraction",
                format!("is {n}, must lie in [0, 1]"),
            ));
        }
        self.check_vessels()?;
        if let Some(g) = &s.vessels.synthetic {
            self.positive(
                "vessels.synthetic.density_mm_per_mm3",
                g.density_mm_per_mm3,
                "tumours 100–400",
            )?;
            if g.density_mm_per_mm3 > 1e4 {
                return Err(self.err(
                    "vessels.synthetic.density_mm_per_mm3",
                    format!(
                        "is {}, above 10000 mm/mm³ (a vessel every 10 µm, denser than any \
                         tissue): tumours have 100–400, well-perfused muscle about 3000",
                        g.density_mm_per_mm3
                    ),
                ));
            }
            self.range_pair("vessels.synthetic.radius_um", g.radius_um, true)?;
            self.range_pair("vessels.synthetic.blood_po2_mmhg", g.blood_po2_mmhg, false)?;
            self.positive(
                "vessels.synthetic.segment_length_um",
                g.segment_length_um,
                "e.g. 20",
            )?;
            self.non_negative(
                "vessels.synthetic.tortuosity",
                g.tortuosity,
                "0 straight, ~0.3 tortuous",
            )?;
            self.positive(
                "vessels.synthetic.max_vessel_length_um",
                g.max_vessel_length_um,
                "e.g. 1500",
            )?;
            let h = s.grid.spacing_um;
            if g.radius_um[1] > 100.0 * h || g.segment_length_um < 0.1 * h {
                return Err(self.err(
                    "vessels.synthetic",
                    format!(
                        "radius_um up to {} µm and segment_length_um {} µm do not fit voxels of {h} µm: \
                         keep radii ≤ 100 voxels and segments ≥ 0.1 voxel",
                        g.radius_um[1], g.segment_length_um
                    ),
                ));
            }
            if g.max_vessel_length_um < 2.0 * g.segment_length_um {
                return Err(self.err(
                    "vessels.synthetic.max_vessel_length_um",
                    format!(
                        "is {}, shorter than two segments of {} µm: no vessel could grow",
                        g.max_vessel_length_um, g.segment_length_um
                    ),
                ));
            }
        }
        for (i, r) in s.fixed_regions.iter().enumerate() {
            self.check_region(i, r)?;
        }
        for (name, f) in crate::problem::face::NAMES.iter().zip(s.boundary.faces()) {
            if let schema::FaceSpec::Fixed(v) = f {
                self.non_negative(&format!("boundary.{name}"), v, "a pO2 in mmHg")?;
            }
        }
        self.check_medium()?;
        let sv = &s.solver;
        self.positive(
            "solver.tolerance",
            sv.tolerance,
            "relative residual, e.g. 1e-6",
        )?;
        if let Some(w) = sv.omega {
            if !(w > 0.0 && w < 2.0) {
                return Err(self.err("solver.omega", format!("is {w}, must lie in (0, 2)")));
            }
        }
        if sv.check_every == 0 {
            return Err(self.err("solver.check_every", "must be ≥ 1"));
        }
        self.check_ros()?;
        self.check_therapy()?;
        self.check_hif()?;
        let out = &s.output;
        self.colour_limits(
            "output.png_limits_mmhg",
            out.png_limits_mmhg,
            "[0.0, 100.0]",
        )?;
        let longest = shape.iter().max().copied().unwrap_or(1);
        if out.png && longest.saturating_mul(out.png_pixels_per_voxel as usize) > 16_384 {
            return Err(self.err(
                "output.png_pixels_per_voxel",
                format!(
                    "{} pixels per voxel makes slices of {} pixels a side (the limit is 16384); \
                     lower it, or set output.png = false",
                    out.png_pixels_per_voxel,
                    longest.saturating_mul(out.png_pixels_per_voxel as usize)
                ),
            ));
        }
        let dpi = self.spec.figures.dpi;
        if !(36..=1200).contains(&dpi) {
            return Err(self.err(
                "figures.dpi",
                format!("is {dpi}, must lie in 36–1200 (150 for screens, 300 for print)"),
            ));
        }
        if !(1..=64).contains(&out.png_pixels_per_voxel) {
            return Err(self.err(
                "output.png_pixels_per_voxel",
                format!("is {}, must lie in 1–64", out.png_pixels_per_voxel),
            ));
        }
        Ok(())
    }

    /// `boundary.medium_um`: finite, ≥ 0, at most [`MAX_MEDIUM_UM`], a solver grid
    /// that fits (as `grid.shape_zyx` must), and no protocol (not supported yet).
    fn check_medium(&self) -> Result<()> {
        let s = &self.spec;
        let m = s.boundary.medium_um;
        if !(0.0..=MAX_MEDIUM_UM).contains(&m) {
            return Err(self.err(
                "boundary.medium_um",
                format!(
                    "is {m}, must be a thickness in µm from 0 (no medium, the default) to \
                     {MAX_MEDIUM_UM} (10 mm); 200–300 µm suits most blocks (docs/model.md, \
                     \"Infinite medium\")"
                ),
            ));
        }
        let Some(medium) = self.medium() else {
            return Ok(());
        };
        let g = medium.solver;
        let total = g.len() as f64;
        if total > (1u64 << 31) as f64 {
            return Err(self.err(
                "boundary.medium_um",
                format!(
                    "= {m} µm grows the solver grid to {:?} (zyx), {total:.3e} voxels, more \
                     than 2³¹ (2.147e9): use a thinner medium or fewer, larger voxels",
                    g.shape_zyx()
                ),
            ));
        }
        if s.protocol.is_some() {
            self.refuse_medium_in_protocol()?;
        }
        Ok(())
    }

    /// Refuses a protocol run of a scenario with a medium (`boundary.medium_um` > 0):
    /// therapy keeps its fields, dose maps, snapshots and checkpoints on the block's
    /// grid, so the medium is supported for steady runs (and batches of them) only.
    pub(crate) fn refuse_medium_in_protocol(&self) -> Result<()> {
        if self.medium().is_none() {
            return Ok(());
        }
        Err(self.err(
            "boundary.medium_um",
            format!(
                "= {}: the non-consuming medium is supported for steady runs and batches of \
                 them, not yet for protocol runs (their fields, dose maps and checkpoints \
                 stay on the block); remove `boundary.medium_um` (or set it to 0) to run the \
                 protocol, or run without the protocol for the steady state in the medium",
                self.spec.boundary.medium_um
            ),
        ))
    }

    pub(super) fn check_vessels(&self) -> Result<()> {
        let v = &self.spec.vessels;
        let given: Vec<&str> = [
            (v.synthetic.is_some(), "[vessels.synthetic]"),
            (v.network.is_some(), "[vessels.network]"),
            (v.npy.is_some(), "[vessels.npy]"),
            (v.mask.is_some(), "[vessels.mask]"),
        ]
        .iter()
        .filter(|(on, _)| *on)
        .map(|(_, name)| *name)
        .collect();
        if given.len() > 1 {
            return Err(self.err(
                "vessels",
                format!("has {}: keep one source", given.join(" and ")),
            ));
        }
        if let Some(g) = &v.synthetic {
            self.non_negative(
                "vessels.synthetic.core_radius_um",
                g.core_radius_um,
                "0 for no avascular core",
            )?;
            if !(0.0..=1.0).contains(&g.core_viable_fraction) {
                return Err(self.err(
                    "vessels.synthetic.core_viable_fraction",
                    format!("is {}, must lie in [0, 1]", g.core_viable_fraction),
                ));
            }
            if !(1..=1000).contains(&g.trees) {
                return Err(self.err(
                    "vessels.synthetic.trees",
                    format!("is {}, must lie in 1–1000", g.trees),
                ));
            }
            self.non_negative(
                "vessels.synthetic.outlet_pressure_mmhg",
                g.outlet_pressure_mmhg,
                "mmHg",
            )?;
            if !(g.inlet_pressure_mmhg > g.outlet_pressure_mmhg
                && g.inlet_pressure_mmhg < MAX_VALUE)
            {
                return Err(self.err(
                    "vessels.synthetic.inlet_pressure_mmhg",
                    format!(
                        "is {}, must exceed outlet_pressure_mmhg ({}) so that blood flows",
                        g.inlet_pressure_mmhg, g.outlet_pressure_mmhg
                    ),
                ));
            }
        }
        if let Some(n) = &v.network {
            self.positive("vessels.network.scale", n.scale, "1 for µm, 1000 for mm")?;
            self.positive("vessels.network.flow_scale", n.flow_scale, "Secomb's q0fac")?;
            self.non_negative("vessels.network.blood_po2_mmhg", n.blood_po2_mmhg, "mmHg")?;
            if !n
                .offset_um
                .iter()
                .all(|x| x.is_finite() && x.abs() < MAX_VALUE)
            {
                return Err(self.err(
                    "vessels.network.offset_um",
                    format!("is {:?}, must be finite µm", n.offset_um),
                ));
            }
        }
        if let Some(m) = &v.mask {
            self.non_negative("vessels.mask.blood_po2_mmhg", m.blood_po2_mmhg, "mmHg")?;
        }
        let t = &v.transport;
        match t.mode.as_str() {
            "auto" | "off" => {}
            "on" if v.synthetic.is_some() || v.network.is_some() => {}
            "on" => {
                return Err(self.err(
                    "vessels.transport.mode",
                    "is \"on\" but the vessels are not a network: blood O2 transport needs \
                     [vessels.network] or [vessels.synthetic]",
                ))
            }
            other => {
                return Err(self.err(
                    "vessels.transport.mode",
                    format!("\"{other}\" is not known; use \"auto\", \"on\" or \"off\""),
                ))
            }
        }
        let w = &v.wall;
        if let Some(p) = w.permeability_um_per_s {
            self.positive("vessels.wall.permeability_um_per_s", p, "µm/s, e.g. 5000")?;
            if w.resistance != super::kinds::WallResistance::Table {
                return Err(self.err(
                    "vessels.wall.permeability_um_per_s",
                    "is the wall in series with a K(d) table: set vessels.wall.resistance = \
                     \"table\", or give the single permeability as \
                     oxygen.wall_permeability_um_per_s",
                ));
            }
        }
        if w.table.is_some() && w.resistance != super::kinds::WallResistance::Table {
            return Err(self.err(
                "vessels.wall.table",
                "is given but vessels.wall.resistance is not \"table\": set it to \"table\"",
            ));
        }
        if w.resistance == super::kinds::WallResistance::Table
            && self.spec.oxygen.wall_permeability_um_per_s <= 0.0
        {
            return Err(self.err(
                "oxygen.wall_permeability_um_per_s",
                "is 0, but with vessels.wall.resistance = \"table\" the walls exchange as the \
                 table says and this value only scales the exchange maps: give it a value > 0 \
                 (e.g. the default 1000)",
            ));
        }
        let network = v.synthetic.is_some() || v.network.is_some();
        if !network
            && (w.subvoxel == Some(true) || w.resistance == super::kinds::WallResistance::Table)
        {
            return Err(self.err(
                "vessels.wall",
                "needs vessel radii: it applies to [vessels.network] or [vessels.synthetic], \
                 not to voxel maps; remove [vessels.wall] or give a network",
            ));
        }
        self.positive("vessels.transport.hill_n", t.hill_n, "2.55–3")?;
        self.positive("vessels.transport.p50_mmhg", t.p50_mmhg, "26 human, 38 rat")?;
        self.non_negative("vessels.transport.c0", t.c0, "0.5 cm³ O2/cm³ red cells")?;
        self.positive("vessels.transport.alpha_blood", t.alpha_blood, "3.1e-5")?;
        self.positive("vessels.transport.alpha_tissue", t.alpha_tissue, "3.0e-5")?;
        if !(0.0..1.0).contains(&t.hematocrit) {
            return Err(self.err(
                "vessels.transport.hematocrit",
                format!("is {}, must lie in [0, 1)", t.hematocrit),
            ));
        }
        self.positive(
            "vessels.transport.viscosity_cp",
            t.viscosity_cp,
            "blood ≈ 3",
        )?;
        self.positive(
            "vessels.transport.tolerance_mmhg",
            t.tolerance_mmhg,
            "e.g. 0.01",
        )?;
        if t.max_iterations == 0 {
            return Err(self.err("vessels.transport.max_iterations", "must be ≥ 1"));
        }
        if !(t.relaxation > 0.0 && t.relaxation <= 1.0) {
            return Err(self.err(
                "vessels.transport.relaxation",
                format!("is {}, must lie in (0, 1]", t.relaxation),
            ));
        }
        Ok(())
    }

    pub(super) fn check_region(&self, i: usize, r: &schema::FixedRegionSpec) -> Result<()> {
        let key = |k: &str| format!("fixed_regions[{i}].{k}");
        self.non_negative(&key("value_mmhg"), r.value_mmhg, "a pO2 in mmHg")?;
        let need = |present: bool, k: &str| {
            if present {
                Ok(())
            } else {
                Err(self.err(&key(k), format!("is required for shape \"{}\"", r.shape)))
            }
        };
        let finite3 = |k: &str, v: Option<[f64; 3]>| match v {
            Some(p) if !p.iter().all(|x| x.is_finite() && x.abs() < MAX_VALUE) => {
                Err(self.err(&key(k), format!("is {p:?}, must be finite µm (x, y, z)")))
            }
            _ => Ok(()),
        };
        finite3("center_um", r.center_um)?;
        finite3("min_um", r.min_um)?;
        finite3("max_um", r.max_um)?;
        let s = &self.spec.grid;
        let h = s.spacing_um;
        // Voxel counts along x, y, z, and the block's far corner (µm).
        let n = [s.shape_zyx[2], s.shape_zyx[1], s.shape_zyx[0]];
        let extent = n.map(|k| k as f64 * h);
        let block = format!(
            "the block [0, 0, 0]–[{}, {}, {}] µm",
            extent[0], extent[1], extent[2]
        );
        // The voxel centre nearest to `p` along axis `a`, and the farthest one.
        let centre = |a: usize, i: f64| (i.clamp(0.0, n[a] as f64 - 1.0) + 0.5) * h;
        let nearest = |a: usize, p: f64| centre(a, (p / h - 0.5).round());
        let farthest = |a: usize, p: f64| {
            let (lo, hi) = (centre(a, 0.0), centre(a, n[a] as f64 - 1.0));
            if (p - lo).abs() > (hi - p).abs() {
                lo
            } else {
                hi
            }
        };
        match r.shape.as_str() {
            "sphere" | "outside_sphere" => {
                need(r.radius_um.is_some(), "radius_um")?;
                let radius = r.radius_um.unwrap_or(0.0);
                self.positive(&key("radius_um"), radius, "µm")?;
                let c = r.center_um.unwrap_or(extent.map(|e| e / 2.0));
                let dist = |f: &dyn Fn(usize, f64) -> f64| {
                    (0..3).map(|a| (f(a, c[a]) - c[a]).powi(2)).sum::<f64>().sqrt()
                };
                if r.shape == "sphere" && dist(&nearest) > radius {
                    return Err(self.err(
                        &format!("fixed_regions[{i}]"),
                        format!(
                            "the sphere of radius {radius} µm around {c:?} µm holds no voxel \
                             centre of {block}: move `center_um` inside the block (x, y, z in \
                             µm) or enlarge `radius_um`"
                        ),
                    ));
                }
                if r.shape == "outside_sphere" && dist(&farthest) <= radius {
                    return Err(self.err(
                        &format!("fixed_regions[{i}]"),
                        format!(
                            "the sphere of radius {radius} µm around {c:?} µm holds all of \
                             {block}, so nothing lies outside it: shrink `radius_um`"
                        ),
                    ));
                }
            }
            "box" => {
                need(r.min_um.is_some(), "min_um")?;
                need(r.max_um.is_some(), "max_um")?;
                let (lo, hi) = (r.min_um.unwrap_or_default(), r.max_um.unwrap_or_default());
                if let Some(a) = (0..3).find(|&a| lo[a] > hi[a]) {
                    return Err(self.err(
                        &key("min_um"),
                        format!(
                            "is {lo:?}, above `max_um` {hi:?} along {}: min_um is the corner \
                             with the smallest coordinates; swap the values",
                            ["x", "y", "z"][a]
                        ),
                    ));
                }
                if (0..3).any(|a| {
                    let c = nearest(a, (lo[a] + hi[a]) / 2.0);
                    c < lo[a] || c > hi[a]
                }) {
                    return Err(self.err(
                        &format!("fixed_regions[{i}]"),
                        format!(
                            "the box {lo:?}–{hi:?} µm holds no voxel centre of {block}: \
                             move it inside the block (x, y, z in µm) or enlarge it"
                        ),
                    ));
                }
            }
            "mask" => need(r.mask_npy.is_some(), "mask_npy")?,
            other => {
                return Err(self.err(
                    &key("shape"),
                    format!(
                        "\"{other}\" is not known; use \"sphere\", \"outside_sphere\", \"box\" or \"mask\""
                    ),
                ))
            }
        }
        Ok(())
    }
}
