//! The binary's logger: `env_logger` for formatting and filtering (`-q`, `-v`, `-vv`,
//! `RUST_LOG`), wrapped so that a warning repeated during a run (a solve that stagnates
//! at every step of a protocol, say) prints once, and [`finish`] then says how many
//! more times it came and what the last one said.
//!
//! Two warnings are "the same" when they differ only in their numbers (times,
//! residuals, iteration counts): the text with every number replaced by `#`.

use log::{Level, Log, Metadata, Record};
use std::sync::{Mutex, OnceLock};

/// The logger installed by [`init`], kept for [`finish`].
static LOGGER: OnceLock<&'static Dedup> = OnceLock::new();

/// What a repeated warning needs for its closing line.
struct Repeat {
    /// The text with numbers masked.
    key: String,
    /// Module the warning came from.
    target: String,
    /// How many times it was suppressed after the first.
    more: u64,
    /// The last suppressed text, in full.
    last: String,
}

/// `env_logger` with repeated warnings suppressed.
struct Dedup {
    inner: env_logger::Logger,
    seen: Mutex<Vec<Repeat>>,
}

impl Log for Dedup {
    fn enabled(&self, metadata: &Metadata) -> bool {
        self.inner.enabled(metadata)
    }

    fn log(&self, record: &Record) {
        if !self.inner.enabled(record.metadata()) {
            return;
        }
        if record.level() == Level::Warn && self.repeated(record) {
            return;
        }
        super::progress::suspend(|| self.inner.log(record));
    }

    fn flush(&self) {
        self.inner.flush();
    }
}

impl Dedup {
    /// True when a warning like `record` was printed before (it is counted instead).
    fn repeated(&self, record: &Record) -> bool {
        let text = record.args().to_string();
        let key = mask_numbers(&text);
        // A poisoned lock only means another thread panicked mid-log; keep going.
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(r) = seen.iter_mut().find(|r| r.key == key) {
            r.more += 1;
            r.last = text;
            return true;
        }
        seen.push(Repeat {
            key,
            target: record.target().to_string(),
            more: 0,
            last: String::new(),
        });
        false
    }
}

/// Installs the logger: `quiet` keeps warnings and errors, `verbose` 1 adds debug and 2
/// or more trace (with the GPU libraries' own info logs); `RUST_LOG` overrides both.
pub fn init(quiet: bool, verbose: u8) {
    let filter = match (quiet, verbose) {
        (true, _) => "oxyfield=warn,wgpu_core=warn,wgpu_hal=error,naga=warn".to_string(),
        (false, 0) => "oxyfield=info,wgpu_core=warn,wgpu_hal=error,naga=warn".to_string(),
        (false, 1) => "oxyfield=debug,wgpu_core=warn,wgpu_hal=error,naga=warn".to_string(),
        _ => "oxyfield=trace,wgpu_core=info,wgpu_hal=info,naga=info".to_string(),
    };
    let inner = env_logger::Builder::from_env(env_logger::Env::default().default_filter_or(filter))
        .format_timestamp(None)
        .build();
    let max = inner.filter();
    let logger: &'static Dedup = Box::leak(Box::new(Dedup {
        inner,
        seen: Mutex::new(Vec::new()),
    }));
    if log::set_logger(logger).is_ok() {
        log::set_max_level(max);
        let _ = LOGGER.set(logger);
    }
}

/// Prints one line per warning that repeated: how many more times, and the last text.
/// Call once, at the end of the command (also when it failed).
pub fn finish() {
    let Some(logger) = LOGGER.get() else { return };
    let repeats: Vec<Repeat> = {
        let mut seen = logger.seen.lock().unwrap_or_else(|p| p.into_inner());
        std::mem::take(&mut *seen)
    };
    for r in repeats.into_iter().filter(|r| r.more > 0) {
        logger.inner.log(
            &Record::builder()
                .level(Level::Warn)
                .target(&r.target)
                .args(format_args!(
                    "the warning above was repeated {} more time{} in this run (printed once); \
                     the last: {}",
                    r.more,
                    if r.more == 1 { "" } else { "s" },
                    r.last
                ))
                .build(),
        );
    }
    logger.inner.flush();
}

/// `text` with every number (digits with their decimal point, exponent and sign)
/// replaced by `#`, except item indices in brackets (`radiotherapy[1]`), which name
/// which item a warning is about.
fn mask_numbers(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == '[' {
            // An index: copied with its digits.
            out.push('[');
            i += 1;
            while i < chars.len() && chars[i].is_ascii_digit() {
                out.push(chars[i]);
                i += 1;
            }
            continue;
        }
        if chars[i].is_ascii_digit() {
            while i < chars.len() {
                let c = chars[i];
                let exponent = (c == 'e' || c == 'E')
                    && chars
                        .get(i + 1)
                        .is_some_and(|n| n.is_ascii_digit() || *n == '-' || *n == '+');
                let sign = (c == '-' || c == '+') && i > 0 && matches!(chars[i - 1], 'e' | 'E');
                if c.is_ascii_digit() || c == '.' || exponent || sign {
                    i += 1;
                } else {
                    break;
                }
            }
            out.push('#');
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::mask_numbers;

    #[test]
    fn numbers_are_masked_words_kept() {
        assert_eq!(
            mask_numbers("drug solve stagnated at 3.2e-6 after 40 iterations (float32)"),
            "drug solve stagnated at # after # iterations (float#)"
        );
        assert_eq!(mask_numbers("t = 12.5 h, -3 mmHg"), "t = # h, -# mmHg");
        assert_ne!(mask_numbers("no root"), mask_numbers("no place"));
        assert_eq!(
            mask_numbers("radiotherapy[12]: fractions of 15 Gy"),
            "radiotherapy[12]: fractions of # Gy"
        );
    }
}
