//! Batches of scenarios: sweep files and their resolution (`sweep`), running them on
//! one backend, sharded and resumable (`run`), and collecting the results (`collect`).

pub mod collect;
pub mod run;
pub mod sweep;
