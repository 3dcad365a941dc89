//! `oxyfield._native`: the Rust half of the `oxyfield` Python package (python/oxyfield/
//! is the other). Scenarios, runs, field and network readers and figures, each calling
//! the library functions the command line calls, so results are the CLI's to the bit.

mod errors;
mod load;
mod logging;
mod render;
mod run;
mod scenario;

use pyo3::prelude::*;

/// The embedded default scenario's TOML text.
#[pyfunction]
fn default_scenario_toml() -> &'static str {
    oxyfield::config::DEFAULT_SCENARIO_TOML
}

/// The module: scenarios, runs, readers and figures (see python/oxyfield/ for the API).
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    logging::install();
    m.add("__version__", oxyfield::VERSION)?;
    m.add("OxyfieldError", m.py().get_type::<errors::OxyfieldError>())?;
    m.add_class::<scenario::PyScenario>()?;
    m.add_function(wrap_pyfunction!(default_scenario_toml, m)?)?;
    m.add_function(wrap_pyfunction!(run::run, m)?)?;
    m.add_function(wrap_pyfunction!(load::load_field, m)?)?;
    m.add_function(wrap_pyfunction!(load::read_network, m)?)?;
    m.add_function(wrap_pyfunction!(render::render_png, m)?)?;
    Ok(())
}
