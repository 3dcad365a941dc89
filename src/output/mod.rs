//! Everything written to disk: arrays (`.npy` + JSON sidecar), `summary.json`, PNG
//! slices. Every file is written under a temporary name and renamed into place, so a
//! run that stops leaves complete files or none.

pub mod blood;
pub mod figures;
pub mod json;
pub mod previous;
pub mod reproduce;
pub mod ros;
pub mod slices;
pub mod summary;
pub mod tiff;
pub mod timeline;
pub mod tissue;
pub mod volumes;
pub mod vti;
