//! Everything written to disk: arrays (`.npy` + JSON sidecar), `summary.json`, PNG
//! slices. Every file is written under a temporary name and renamed into place, so a
//! run that stops leaves complete files or none.

pub(crate) mod blood;
pub mod figures;
pub mod json;
pub mod previous;
pub(crate) mod reproduce;
pub(crate) mod ros;
pub(crate) mod slices;
pub mod summary;
pub mod tiff;
pub mod timeline;
pub(crate) mod tissue;
pub(crate) mod volumes;
pub mod vti;
