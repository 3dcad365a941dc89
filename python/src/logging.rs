//! The library's log records (its warnings above all: implausible parameters, protocol
//! caveats, unconverged results kept) sent to Python's `logging`, logger `oxyfield` and
//! its children (`oxyfield.run`, …). With Python's default set-up, warnings print to
//! stderr, in a notebook too; `logging.basicConfig(level=logging.INFO)` shows the
//! progress lines `oxyfield run` logs.

use pyo3::prelude::*;

/// Forwards records to Python; set once per process when the module is imported.
struct ToPython;

impl log::Log for ToPython {
    fn enabled(&self, meta: &log::Metadata) -> bool {
        // Other crates (wgpu, naga) only with their warnings.
        meta.level() <= log::Level::Warn
            || (meta.target().starts_with("oxyfield") && meta.level() <= log::Level::Info)
    }

    fn log(&self, record: &log::Record) {
        if !self.enabled(record.metadata()) {
            return;
        }
        let level = match record.level() {
            log::Level::Error => 40,
            log::Level::Warn => 30,
            log::Level::Info => 20,
            log::Level::Debug | log::Level::Trace => 10,
        };
        let name = record.target().replace("::", ".");
        let text = record.args().to_string();
        // A record that cannot reach Python (interpreter shutting down) is dropped.
        let _ = Python::attach(|py| -> PyResult<()> {
            let logger = py.import("logging")?.call_method1("getLogger", (name,))?;
            logger.call_method1("log", (level, text))?;
            Ok(())
        });
    }

    fn flush(&self) {}
}

/// Installs the forwarding logger, unless a logger is set already.
pub fn install() {
    static LOGGER: ToPython = ToPython;
    if log::set_logger(&LOGGER).is_ok() {
        log::set_max_level(log::LevelFilter::Info);
    }
}
