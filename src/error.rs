//! Typed errors. Library code returns these; `main` prints the chain and maps
//! [`Error::exit_code`] to the process exit status (2 = bad input, 1 = runtime failure,
//! 130 = interrupted).

use std::path::{Path, PathBuf};

/// Result with the crate's error type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can stop oxyfield.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A user's file (scenario, array, network) is wrong; the message names the place
    /// and the fix.
    #[error("{file}: {message}")]
    Input {
        /// The file at fault (or a command-line flag, written as such).
        file: String,
        /// What is wrong, where, and how to fix it.
        message: String,
    },
    /// Reading or writing a file failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The path being read or written.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// No usable GPU adapter, or the device failed.
    #[error("GPU: {0}")]
    Gpu(String),
    /// The run does not fit the device's limits or the machine's memory; the message
    /// gives both numbers and the options.
    #[error("too large for this machine: {0}")]
    TooLarge(String),
    /// The solver met a non-finite value or diverged.
    #[error("numerical failure: {0}")]
    Numerical(String),
    /// A solve stopped short of its tolerance (stagnation above the float32 floor, the
    /// iteration limit) or a converged result broke a conservation check; the message
    /// names the field, the residual, what was tried and the fix.
    #[error("{0}")]
    NotConverged(String),
    /// The GPU device was lost (driver reset, GPU removed or hung) or reported an
    /// error outside any operation's own checks; the message says what to do.
    #[error("GPU device lost: {0}")]
    DeviceLost(String),
    /// Ctrl-C, SIGTERM or SIGHUP stopped the run; the message says what was kept.
    #[error("interrupted: {0}")]
    Interrupted(String),
    /// `oxyfield validate` found checks outside their tolerance.
    #[error("validation failed: {0}")]
    ValidationFailed(String),
}

impl Error {
    /// An input error about `file`.
    pub fn input(file: impl AsRef<Path>, message: impl Into<String>) -> Self {
        Error::Input {
            file: file.as_ref().display().to_string(),
            message: message.into(),
        }
    }

    /// An I/O error on `path`.
    pub fn io(path: impl AsRef<Path>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.as_ref().to_path_buf(),
            source,
        }
    }

    /// Process exit code: 2 for bad input, 130 when interrupted (the shell's code for
    /// Ctrl-C), 1 for anything else.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Input { .. } => 2,
            Error::Interrupted(_) => 130,
            _ => 1,
        }
    }
}

/// The bytes of an input file; a file that cannot be read is the user's input error.
pub(crate) fn read_bytes(path: &Path, what: &str) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| {
        Error::input(
            path,
            format!(
                "cannot read this {what} ({e}); paths in a scenario are relative to the \
                 scenario file"
            ),
        )
    })
}

/// A number token with a finite value; `what` names the field in the message.
pub(crate) fn parse_finite(tok: &str, what: &str) -> std::result::Result<f64, String> {
    match tok.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(v),
        Ok(_) => Err(format!("{what} is '{tok}'; it must be a finite number")),
        Err(_) => Err(format!("{what} is '{tok}', which is not a number")),
    }
}
