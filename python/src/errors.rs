//! oxyfield's errors as Python exceptions: [`OxyfieldError`] (a `ValueError`) with the
//! CLI's message and its parts as attributes; an interrupted run as `KeyboardInterrupt`.

use pyo3::exceptions::{PyKeyboardInterrupt, PyValueError};
use pyo3::prelude::*;

pyo3::create_exception!(
    _native,
    OxyfieldError,
    PyValueError,
    "An oxyfield error: the message the command line prints after `error:`.\n\n\
     Attributes: `kind` (\"input\", \"io\", \"gpu\", \"too_large\", \"numerical\", \
     \"not_converged\", \"device_lost\", \"validation_failed\"), `file` (the file or \
     option at fault, or None), `message` (what is wrong and the fix, without the file) \
     and `exit_code` (the CLI's: 2 for bad input, 1 otherwise)."
);

/// The Python exception for `e`: the same text as the CLI's `error:` line and its
/// `caused by:` lines.
pub fn to_py(e: oxyfield::Error) -> PyErr {
    use oxyfield::Error as E;
    let text = chain(&e);
    let (kind, file, message) = match &e {
        E::Interrupted(_) => return PyKeyboardInterrupt::new_err(text),
        E::Input { file, message } => ("input", Some(file.clone()), message.clone()),
        E::Io { path, source } => ("io", Some(path.display().to_string()), source.to_string()),
        E::Gpu(m) => ("gpu", None, m.clone()),
        E::TooLarge(m) => ("too_large", None, m.clone()),
        E::Numerical(m) => ("numerical", None, m.clone()),
        E::NotConverged(m) => ("not_converged", None, m.clone()),
        E::DeviceLost(m) => ("device_lost", None, m.clone()),
        E::ValidationFailed(m) => ("validation_failed", None, m.clone()),
    };
    let code = e.exit_code();
    Python::attach(|py| {
        let err = OxyfieldError::new_err(text);
        let value = err.value(py);
        let set = || -> PyResult<()> {
            value.setattr("kind", kind)?;
            value.setattr("file", file)?;
            value.setattr("message", message)?;
            value.setattr("exit_code", code)?;
            Ok(())
        };
        match set() {
            Ok(()) => err,
            Err(other) => other,
        }
    })
}

/// The error and its sources, as `main` prints them (an I/O error's text once).
fn chain(e: &oxyfield::Error) -> String {
    let mut out = e.to_string();
    let mut printed = out.clone();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        let text = s.to_string();
        if !printed.ends_with(&text) {
            out.push_str("\n  caused by: ");
            out.push_str(&text);
        }
        printed = text;
        source = s.source();
    }
    out
}

/// An [`OxyfieldError`] about an argument of a Python call (kind "input", the argument
/// named as the file, as the CLI names a flag).
pub fn bad_argument(name: &str, message: impl Into<String>) -> PyErr {
    to_py(oxyfield::Error::input(name, message))
}
