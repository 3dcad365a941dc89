//! Scenarios: parse TOML into [`schema::ScenarioFile`], then check every value's range
//! and the combinations, naming the file and the key in each error.

mod model_checks;
mod model_schema;
pub mod schema;

use crate::grid::Grid;
use crate::physics::o2::O2Params;
use crate::solver::SolveOptions;
use crate::vessels;
use crate::{Error, Result};
use schema::ScenarioFile;
use std::path::{Path, PathBuf};

/// Every number in a scenario stays below this, so that float32 kernels stay finite.
const MAX_VALUE: f64 = 1e9;

/// The embedded default scenario (`assets/scenarios/default.toml`).
pub const DEFAULT_SCENARIO_TOML: &str = include_str!("../../assets/scenarios/default.toml");

/// A parsed and checked scenario.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// Name (from the file, else the file stem).
    pub name: String,
    /// Where it came from, for messages: a path or "embedded default scenario".
    pub origin: String,
    /// Folder that relative paths in the file are resolved against.
    pub base_dir: PathBuf,
    /// The checked contents.
    pub spec: ScenarioFile,
}

impl Scenario {
    /// Reads and checks a scenario file.
    pub fn load(path: &Path) -> Result<Scenario> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            Error::input(
                path,
                format!("cannot read this scenario file ({e}); check the path"),
            )
        })?;
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "scenario".into());
        let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
        Self::from_toml(&text, &path.display().to_string(), &stem, base)
    }

    /// The embedded default scenario.
    pub fn embedded_default() -> Result<Scenario> {
        Self::from_toml(
            DEFAULT_SCENARIO_TOML,
            "embedded default scenario (assets/scenarios/default.toml)",
            "default",
            PathBuf::from("."),
        )
    }

    /// Parses and checks TOML text; `origin` names it in errors, `fallback_name` is used
    /// when the file has no `name`.
    pub fn from_toml(
        text: &str,
        origin: &str,
        fallback_name: &str,
        base_dir: PathBuf,
    ) -> Result<Scenario> {
        let spec: ScenarioFile = toml::from_str(text)
            .map_err(|e| Error::input(origin, format!("{}", e).trim_end().to_string()))?;
        let name = spec
            .name
            .clone()
            .unwrap_or_else(|| fallback_name.to_string());
        let sc = Scenario {
            name,
            origin: origin.to_string(),
            base_dir,
            spec,
        };
        sc.check()?;
        Ok(sc)
    }

    /// A path from the file, resolved against the file's folder.
    pub fn resolve(&self, p: &Path) -> PathBuf {
        if p.is_absolute() {
            p.to_path_buf()
        } else {
            self.base_dir.join(p)
        }
    }

    /// The scenario's protocol, read and checked: the file it names, or its
    /// `[protocol]` table. None when the scenario has no protocol.
    pub fn protocol(&self) -> Result<Option<crate::protocol::Protocol>> {
        match &self.spec.protocol {
            None => Ok(None),
            Some(schema::ProtocolRef::File(p)) => {
                crate::protocol::Protocol::load(&self.resolve(p)).map(Some)
            }
            Some(schema::ProtocolRef::Inline(spec)) => crate::protocol::Protocol::from_spec(
                spec,
                &format!("{} [protocol]", self.origin),
                &self.base_dir,
            )
            .map(Some),
        }
    }

    /// The grid.
    pub fn grid(&self) -> Grid {
        Grid::from_shape_zyx(self.spec.grid.shape_zyx, self.spec.grid.spacing_um)
    }

    /// O2 parameters.
    pub fn o2_params(&self) -> O2Params {
        let o = &self.spec.oxygen;
        O2Params {
            diffusivity_um2_per_s: o.diffusivity_um2_per_s,
            max_consumption_mmhg_per_s: o.max_consumption_mmhg_per_s,
            km_mmhg: o.km_mmhg,
            wall_permeability_um_per_s: o.wall_permeability_um_per_s,
        }
    }

    /// Solver options.
    pub fn solve_options(&self) -> SolveOptions {
        let s = &self.spec.solver;
        SolveOptions {
            method: crate::solver::Method::parse(&s.method)
                .unwrap_or(crate::solver::Method::Multigrid),
            tolerance: s.tolerance,
            max_iterations: s.max_iterations,
            omega: s.omega,
            check_every: s.check_every,
            field: "O2",
        }
    }

    /// Solver options of the ROS solve: those of O2 with `ros.tolerance`.
    pub fn ros_solve_options(&self) -> SolveOptions {
        SolveOptions {
            tolerance: self.spec.ros.tolerance,
            field: "ROS",
            ..self.solve_options()
        }
    }

    fn err(&self, key: &str, msg: impl std::fmt::Display) -> Error {
        Error::input(&self.origin, format!("`{key}`: {msg}"))
    }

    fn positive(&self, key: &str, v: f64, hint: &str) -> Result<()> {
        if v.is_finite() && v > 0.0 && v < MAX_VALUE {
            Ok(())
        } else {
            Err(self.err(
                key,
                format!("is {v}, must be a positive number below 1e9 ({hint})"),
            ))
        }
    }

    fn non_negative(&self, key: &str, v: f64, hint: &str) -> Result<()> {
        if (0.0..MAX_VALUE).contains(&v) {
            Ok(())
        } else {
            Err(self.err(key, format!("is {v}, must be ≥ 0 and below 1e9 ({hint})")))
        }
    }

    fn range_pair(&self, key: &str, v: [f64; 2], positive: bool) -> Result<()> {
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

    fn check(&self) -> Result<()> {
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
        let total = shape.iter().try_fold(1usize, |acc, &n| acc.checked_mul(n));
        if shape.contains(&0) || total.is_none_or(|n| n > (1usize << 31)) {
            return Err(self.err(
                "grid.shape_zyx",
                format!("is {shape:?}: each size must be ≥ 1 and the total at most 2³¹ voxels"),
            ));
        }
        self.positive(
            "grid.spacing_um",
            s.grid.spacing_um,
            "voxel edge in µm, e.g. 10",
        )?;
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
        let sv = &s.solver;
        if crate::solver::Method::parse(&sv.method).is_none() {
            return Err(self.err(
                "solver.method",
                format!(
                    "\"{}\" is not known; available: {}",
                    sv.method,
                    crate::solver::Method::NAMES.join(", ")
                ),
            ));
        }
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
        let [lo, hi] = out.png_limits_mmhg;
        if !(lo.is_finite() && hi.is_finite() && lo < hi) {
            return Err(self.err(
                "output.png_limits_mmhg",
                format!("is {:?}, must be [low, high] with low < high", [lo, hi]),
            ));
        }
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
        if crate::output::colormap::Colormap::by_name(&out.colormap).is_none() {
            return Err(self.err(
                "output.colormap",
                format!(
                    "\"{}\" is not known; available: {}",
                    out.colormap,
                    crate::output::colormap::Colormap::NAMES.join(", ")
                ),
            ));
        }
        Ok(())
    }

    fn check_vessels(&self) -> Result<()> {
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
            if !["random", "tree"].contains(&g.kind.as_str()) {
                return Err(self.err(
                    "vessels.synthetic.kind",
                    format!("\"{}\" is not known; use \"random\" or \"tree\"", g.kind),
                ));
            }
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
            if vessels::formats::Format::parse(&n.format).is_none() {
                return Err(self.err(
                    "vessels.network.format",
                    format!(
                        "\"{}\" is not known; available: {}",
                        n.format,
                        vessels::formats::Format::NAMES.join(", ")
                    ),
                ));
            }
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

    fn check_region(&self, i: usize, r: &schema::FixedRegionSpec) -> Result<()> {
        let key = |k: &str| format!("fixed_regions[{i}].{k}");
        self.non_negative(&key("value_mmhg"), r.value_mmhg, "a pO2 in mmHg")?;
        let need = |present: bool, k: &str| {
            if present {
                Ok(())
            } else {
                Err(self.err(&key(k), format!("is required for shape \"{}\"", r.shape)))
            }
        };
        match r.shape.as_str() {
            "sphere" | "outside_sphere" => {
                need(r.radius_um.is_some(), "radius_um")?;
                self.positive(&key("radius_um"), r.radius_um.unwrap_or(0.0), "µm")?;
            }
            "box" => {
                need(r.min_um.is_some(), "min_um")?;
                need(r.max_um.is_some(), "max_um")?;
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
