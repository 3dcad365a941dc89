//! A device's asynchronous failures (its loss; errors no error scope caught), kept
//! for [`super::GpuContext::check`] instead of wgpu's default of panicking.

use std::sync::{Arc, Mutex};

/// What the device reported asynchronously: its loss, and the first uncaptured error
/// (after a loss, operations fail validation too; the loss is the cause to report).
#[derive(Debug, Clone, Default)]
pub(super) struct Fault {
    /// Why the device was lost.
    pub(crate) lost: Option<String>,
    /// The first uncaptured error.
    pub(crate) uncaptured: Option<String>,
}

/// Sends the device's asynchronous failures to the returned [`Fault`].
pub(super) fn watch(device: &wgpu::Device) -> Arc<Mutex<Fault>> {
    let fault = Arc::new(Mutex::new(Fault::default()));
    let on_error = Arc::clone(&fault);
    device.on_uncaptured_error(Arc::new(move |e: wgpu::Error| {
        let what = match &e {
            wgpu::Error::OutOfMemory { .. } => "out of device memory",
            wgpu::Error::Validation { .. } => "validation error",
            _ => "internal error",
        };
        log::debug!("GPU {what}: {e}");
        let mut f = on_error.lock().unwrap_or_else(|p| p.into_inner());
        f.uncaptured.get_or_insert_with(|| format!("{what}: {e}"));
    }));
    let on_lost = Arc::clone(&fault);
    device.set_device_lost_callback(move |reason, message| {
        let why = match reason {
            wgpu::DeviceLostReason::Destroyed => "the device was destroyed".to_string(),
            _ => format!("the driver reported it lost ({message})"),
        };
        let mut f = on_lost.lock().unwrap_or_else(|p| p.into_inner());
        f.lost.get_or_insert(why);
    });
    fault
}
