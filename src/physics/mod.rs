//! The model as plain functions and parameter structs, documented once and shared by
//! the CPU kernels (the WGSL kernels mirror them line for line). Equations and sources:
//! `docs/model.md`.

pub(crate) mod blood;
pub mod drug;
pub mod hif;
pub mod o2;
pub(crate) mod oer;
pub mod pk;
pub mod radiotherapy;
pub mod ros;
pub mod tissue;
pub mod wall;
