//! `Scenario`: a checked oxyfield scenario, from a TOML file, TOML text or the embedded
//! default, with values set at dotted keys (the keys of a sweep's `[vary]`).

use crate::errors::{bad_argument, to_py};
use oxyfield::config::Scenario;
use pyo3::prelude::*;
use std::path::{Path, PathBuf};

/// A parsed and checked scenario (the Rust half of `oxyfield.Scenario`).
#[pyclass(frozen, module = "oxyfield._native", name = "Scenario")]
pub struct PyScenario {
    pub(crate) inner: Scenario,
}

#[pymethods]
impl PyScenario {
    /// Reads and checks a scenario file; relative paths in it resolve against its folder.
    #[staticmethod]
    fn from_file(path: PathBuf) -> PyResult<Self> {
        Scenario::load(&path)
            .map(|inner| PyScenario { inner })
            .map_err(to_py)
    }

    /// Parses and checks TOML text; `origin` names it in errors, `name` is used when the
    /// text has no `name`, relative paths resolve against `base_dir`.
    #[staticmethod]
    fn from_toml(text: &str, origin: &str, name: &str, base_dir: PathBuf) -> PyResult<Self> {
        Scenario::from_toml(text, origin, name, base_dir)
            .map(|inner| PyScenario { inner })
            .map_err(to_py)
    }

    /// The embedded default scenario (the one `oxyfield run` runs without a file).
    #[staticmethod]
    fn default() -> PyResult<Self> {
        Scenario::embedded_default()
            .map(|inner| PyScenario { inner })
            .map_err(to_py)
    }

    /// This scenario with values set at dotted keys, given as a JSON object
    /// (`{"oxygen.km_mmhg": 2.0}`), checked again.
    fn with_overrides(&self, overrides_json: &str) -> PyResult<Self> {
        let map: serde_json::Map<String, serde_json::Value> = serde_json::from_str(overrides_json)
            .map_err(|e| bad_argument("overrides", format!("not a JSON object of values: {e}")))?;
        self.inner
            .with_overrides(&map)
            .map(|inner| PyScenario { inner })
            .map_err(to_py)
    }

    /// The scenario's name.
    #[getter]
    fn name(&self) -> &str {
        &self.inner.name
    }

    /// Where it came from (a path, or the embedded default), as errors name it.
    #[getter]
    fn origin(&self) -> &str {
        &self.inner.origin
    }

    /// The TOML text, overrides included.
    #[getter]
    fn toml(&self) -> &str {
        self.inner.source_toml()
    }

    /// The grid shape in z, y, x order.
    #[getter]
    fn shape_zyx(&self) -> (usize, usize, usize) {
        let [z, y, x] = self.inner.grid().shape_zyx();
        (z, y, x)
    }

    /// The voxel edge (µm).
    #[getter]
    fn spacing_um(&self) -> f64 {
        self.inner.grid().spacing_um
    }

    /// True when the scenario names a protocol (a file or a `[protocol]` table).
    #[getter]
    fn has_protocol(&self) -> bool {
        self.inner.spec.protocol.is_some()
    }

    /// A path written in the scenario, resolved against its folder.
    fn resolve(&self, path: PathBuf) -> PathBuf {
        self.inner.resolve(Path::new(&path))
    }
}
