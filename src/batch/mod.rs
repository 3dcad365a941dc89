//! Batches of scenarios: sweep files and their resolution (`sweep`), running them on
//! one backend, sharded and resumable (`run`), and collecting the results (`collect`)
//! with their figures (`axes`, `montage`, `plots`).

pub(crate) mod axes;
pub mod collect;
pub(crate) mod montage;
pub(crate) mod plots;
pub mod run;
pub mod sweep;
