//! Ctrl-C, SIGTERM and SIGHUP during `oxyfield run` and `oxyfield batch` (other
//! commands end at once, as usual). The first signal asks the run to stop cleanly: a
//! protocol run finishes the step it is on, writes its checkpoint and stops; a steady
//! solve stops at its next convergence check and writes nothing (its outputs are only
//! written once it has converged); a batch starts no further scenario. A second signal
//! exits at once with status 130; files already written are complete, since every
//! output is written to a temporary name and renamed.
//!
//! A host that has its own signal handling (the Python module, where Ctrl-C belongs to
//! the interpreter) does not [`install`] the handler: it calls [`request`] when its
//! user asks to stop, and [`reset`] before the next run.

use crate::{Error, Result};
use std::cell::Cell;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

static REQUESTED: AtomicBool = AtomicBool::new(false);
static SIGNALS: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    /// Guards alive on this thread: while one is, solver checks do not stop.
    static DEFERRED: Cell<usize> = const { Cell::new(0) };
}

/// Installs the signal handler (once per process; the binary calls it).
pub fn install() {
    let result = ctrlc::set_handler(|| {
        if SIGNALS.fetch_add(1, Ordering::SeqCst) == 0 {
            request();
            eprintln!(
                "\noxyfield: stopping after the current step and keeping what is complete \
                 (press Ctrl-C again to quit at once)"
            );
        } else {
            eprintln!("\noxyfield: quitting at once");
            std::process::exit(130);
        }
    });
    if let Err(e) = result {
        log::debug!("no Ctrl-C handler: {e}");
    }
}

/// True once a stop was asked for.
pub fn requested() -> bool {
    REQUESTED.load(Ordering::SeqCst)
}

/// Asks the run to stop, as the first signal does.
pub fn request() {
    REQUESTED.store(true, Ordering::SeqCst);
}

/// Forgets an earlier stop request, so that the next run in this process runs to its
/// end; for a host that runs several times in one process (the binary never needs it).
pub fn reset() {
    REQUESTED.store(false, Ordering::SeqCst);
    SIGNALS.store(0, Ordering::SeqCst);
}

/// While the returned guard lives, [`check`] on this thread does not stop: a protocol
/// run holds one so that its solves finish the step and the run stops between steps,
/// where its state is whole and can be checkpointed.
#[must_use = "the deferral ends when the guard is dropped"]
pub(crate) fn defer() -> Deferral {
    DEFERRED.with(|d| d.set(d.get() + 1));
    Deferral(())
}

/// See [`defer`].
#[derive(Debug)]
pub(crate) struct Deferral(());

impl Drop for Deferral {
    fn drop(&mut self) {
        DEFERRED.with(|d| d.set(d.get().saturating_sub(1)));
    }
}

/// An [`Error::Interrupted`] about `what` when a stop was asked for and no deferral is
/// alive on this thread.
pub(crate) fn check(what: impl FnOnce() -> String) -> Result<()> {
    if requested() && DEFERRED.with(Cell::get) == 0 {
        return Err(Error::Interrupted(what()));
    }
    Ok(())
}
