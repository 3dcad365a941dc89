//! The one place that creates a wgpu device: adapter discovery and choice.
//!
//! Honours `WGPU_BACKEND` (e.g. `vulkan`) and `WGPU_ADAPTER_NAME` (substring of the
//! adapter name); an explicit `--adapter` flag wins over the variable.

use super::fault::{watch, Fault};
use crate::{Error, Result};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// An opened device with its queue and the adapter it came from.
#[derive(Debug, Clone)]
pub struct GpuContext {
    /// The device.
    pub device: wgpu::Device,
    /// Its queue.
    pub(crate) queue: wgpu::Queue,
    /// The adapter's description.
    pub(crate) info: wgpu::AdapterInfo,
    /// The first failure the device reported outside an operation's own error checks
    /// (device loss, or an uncaptured validation or out-of-memory error): kept here
    /// instead of wgpu's default panic, and returned by the next [`GpuContext::check`].
    fault: Arc<Mutex<Fault>>,
    /// Traffic and submission counts of everything run on this device
    /// ([`crate::backend::Counters`]).
    pub(crate) counters: Arc<CounterCells>,
}

/// The counters of a device, shared by every kernel type that submits to it.
#[derive(Debug, Default)]
pub struct CounterCells {
    bytes_up: AtomicU64,
    bytes_down: AtomicU64,
    submits: AtomicU64,
    dispatches: AtomicU64,
}

impl CounterCells {
    /// Counts `bytes` written from the host.
    pub(crate) fn up(&self, bytes: usize) {
        self.bytes_up.fetch_add(bytes as u64, Ordering::Relaxed);
    }

    /// Counts `bytes` read back to the host.
    pub(crate) fn down(&self, bytes: usize) {
        self.bytes_down.fetch_add(bytes as u64, Ordering::Relaxed);
    }

    /// Counts one queue submission.
    pub(crate) fn submit(&self) {
        self.submits.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts `n` dispatches.
    pub(crate) fn dispatch(&self, n: u64) {
        self.dispatches.fetch_add(n, Ordering::Relaxed);
    }

    /// The counts so far.
    pub(crate) fn read(&self) -> crate::backend::Counters {
        crate::backend::Counters {
            bytes_up: self.bytes_up.load(Ordering::Relaxed),
            bytes_down: self.bytes_down.load(Ordering::Relaxed),
            submits: self.submits.load(Ordering::Relaxed),
            dispatches: self.dispatches.load(Ordering::Relaxed),
        }
    }
}

/// A one-line description of an adapter: name, type, backend and driver.
pub fn describe(info: &wgpu::AdapterInfo) -> String {
    let kind = match info.device_type {
        wgpu::DeviceType::DiscreteGpu => "discrete GPU",
        wgpu::DeviceType::IntegratedGpu => "integrated GPU",
        wgpu::DeviceType::VirtualGpu => "virtual GPU",
        wgpu::DeviceType::Cpu => "software",
        wgpu::DeviceType::Other => "other",
    };
    let driver = [info.driver.as_str(), info.driver_info.as_str()]
        .iter()
        .filter(|s| !s.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join(" ");
    format!(
        "{} ({kind}, {:?}{})",
        info.name,
        info.backend,
        if driver.is_empty() {
            String::new()
        } else {
            format!(", {driver}")
        }
    )
}

/// True for adapters that run on the CPU (lavapipe, SwiftShader, WARP).
pub fn is_software(info: &wgpu::AdapterInfo) -> bool {
    info.device_type == wgpu::DeviceType::Cpu
}

/// Backends searched: `WGPU_BACKEND` when set, else the native compute APIs (Vulkan,
/// Metal, DX12). OpenGL is opt-in (`WGPU_BACKEND=gl`): its compute support is partial
/// and probing it prints display-server noise on headless machines.
fn backends() -> wgpu::Backends {
    wgpu::Backends::from_env().unwrap_or(wgpu::Backends::PRIMARY)
}

fn instance() -> wgpu::Instance {
    let mut desc = wgpu::InstanceDescriptor::new_without_display_handle_from_env();
    desc.backends = backends();
    wgpu::Instance::new(desc)
}

/// Every adapter the instance finds (honouring `WGPU_BACKEND`).
pub fn adapters() -> Vec<wgpu::Adapter> {
    pollster::block_on(instance().enumerate_adapters(backends()))
}

/// The indices (into [`adapters`]) of the distinct devices to spread work over: the
/// hardware GPUs when there are any, else the software adapters, all through one API
/// (Vulkan, else Metal, DX12, GL), so a GPU that two APIs both list counts once while
/// two identical GPUs count twice.
pub fn distinct_devices() -> Vec<usize> {
    let all: Vec<wgpu::AdapterInfo> = adapters().iter().map(|a| a.get_info()).collect();
    let hardware = all.iter().any(|i| !is_software(i));
    let class: Vec<usize> = (0..all.len())
        .filter(|&k| is_software(&all[k]) != hardware)
        .collect();
    let apis = [
        wgpu::Backend::Vulkan,
        wgpu::Backend::Metal,
        wgpu::Backend::Dx12,
        wgpu::Backend::Gl,
    ];
    apis.iter()
        .map(|api| {
            class
                .iter()
                .copied()
                .filter(|&k| all[k].backend == *api)
                .collect::<Vec<_>>()
        })
        .find(|v| !v.is_empty())
        .unwrap_or(class)
}

fn rank(info: &wgpu::AdapterInfo) -> u32 {
    let kind = match info.device_type {
        wgpu::DeviceType::DiscreteGpu => 0,
        wgpu::DeviceType::IntegratedGpu => 1,
        wgpu::DeviceType::VirtualGpu => 2,
        wgpu::DeviceType::Other => 3,
        wgpu::DeviceType::Cpu => 4,
    };
    // Prefer the native compute APIs over GL for the same device.
    let api = u32::from(info.backend == wgpu::Backend::Gl);
    kind * 2 + api
}

impl GpuContext {
    /// Opens the best adapter whose name contains `name` (case-insensitive; falls back
    /// to `WGPU_ADAPTER_NAME`). Software adapters are skipped unless `allow_software`.
    pub fn open(name: Option<&str>, allow_software: bool) -> Result<GpuContext> {
        let env_name = std::env::var("WGPU_ADAPTER_NAME").ok();
        let wanted = name.or(env_name.as_deref()).map(str::to_lowercase);
        let all = adapters();
        let found: Vec<String> = all.iter().map(|a| describe(&a.get_info())).collect();
        let mut candidates: Vec<wgpu::Adapter> = all
            .into_iter()
            .filter(|a| {
                let info = a.get_info();
                wanted
                    .as_ref()
                    .is_none_or(|w| info.name.to_lowercase().contains(w))
                    && (allow_software || !is_software(&info))
            })
            .collect();
        candidates.sort_by_key(|a| rank(&a.get_info()));
        let Some(adapter) = candidates.into_iter().next() else {
            let seen = if found.is_empty() {
                "none (is a Vulkan, Metal or DX12 driver installed?)".to_string()
            } else {
                found.join("; ")
            };
            let what = match (&wanted, allow_software) {
                (Some(w), _) => format!("no adapter named like \"{w}\""),
                (None, false) => "no hardware GPU adapter".to_string(),
                (None, true) => "no GPU adapter".to_string(),
            };
            return Err(Error::Gpu(format!("{what}; adapters found: {seen}")));
        };
        Self::from_adapter(adapter)
    }

    /// Opens adapter `index` of [`adapters`] (the numbering `oxyfield devices`
    /// prints), software or not.
    pub(crate) fn open_index(index: usize) -> Result<GpuContext> {
        let mut all = adapters();
        if index >= all.len() {
            let seen: Vec<String> = all.iter().map(|a| describe(&a.get_info())).collect();
            return Err(Error::Gpu(format!(
                "no adapter {index}: {} found ({}); see `oxyfield devices`",
                all.len(),
                if seen.is_empty() {
                    "none".to_string()
                } else {
                    seen.join("; ")
                }
            )));
        }
        Self::from_adapter(all.swap_remove(index))
    }

    fn from_adapter(adapter: wgpu::Adapter) -> Result<GpuContext> {
        let info = adapter.get_info();
        // Timestamp queries time kernels in `oxyfield bench` where the adapter has them.
        let features = adapter.features() & wgpu::Features::TIMESTAMP_QUERY;
        let (device, queue) = pollster::block_on(adapter.request_device(&wgpu::DeviceDescriptor {
            label: Some("oxyfield"),
            required_features: features,
            required_limits: adapter.limits(),
            ..Default::default()
        }))
        .map_err(|e| Error::Gpu(format!("could not open {}: {e}", describe(&info))))?;
        log::info!("GPU adapter: {}", describe(&info));
        let fault = watch(&device);
        Ok(GpuContext {
            device,
            queue,
            info,
            fault,
            counters: Arc::default(),
        })
    }

    /// Finishes `enc` and submits it: the one place work reaches the queue, so that
    /// every submit is counted ([`CounterCells::submit`]).
    pub(crate) fn submit(&self, enc: wgpu::CommandEncoder) -> wgpu::SubmissionIndex {
        self.counters.submit();
        self.queue.submit([enc.finish()])
    }

    /// Writes `data` into `buffer` at `offset` through the queue, counted as bytes up.
    /// The write lands before the commands of the next submit, so work already recorded
    /// but not yet submitted that reads `buffer` sees the new value: submit it first.
    pub(crate) fn write(&self, buffer: &wgpu::Buffer, offset: u64, data: &[u8]) {
        self.counters.up(data.len());
        self.queue.write_buffer(buffer, offset, data);
    }

    /// Writes `new` into `buffer` (from offset 0), which holds `held`: only the 4-byte
    /// words that differ go up (all of it when the lengths differ); `held` becomes
    /// `new`. For uniform blocks, most of which repeat from one call to the next.
    pub(crate) fn write_changed(&self, buffer: &wgpu::Buffer, held: &mut Vec<u8>, new: &[u8]) {
        if held.len() != new.len() {
            self.write(buffer, 0, new);
        } else {
            let differs = |w: usize| held[4 * w..4 * w + 4] != new[4 * w..4 * w + 4];
            let words = new.len() / 4;
            if let Some(first) = (0..words).find(|&w| differs(w)) {
                let last = (0..words).rev().find(|&w| differs(w)).unwrap_or(first);
                self.write(buffer, 4 * first as u64, &new[4 * first..4 * last + 4]);
            }
        }
        held.clear();
        held.extend_from_slice(new);
    }

    /// A new encoder labelled `label`.
    pub(crate) fn encoder(&self, label: &str) -> wgpu::CommandEncoder {
        self.device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some(label) })
    }

    /// Waits for all submitted work, then [`GpuContext::check`]s.
    pub(crate) fn wait(&self) -> Result<()> {
        let polled = self.device.poll(wgpu::PollType::wait_indefinitely());
        self.check()?;
        polled
            .map(|_| ())
            .map_err(|e| Error::Gpu(format!("waiting for the device failed: {e}")))
    }

    /// The first asynchronous failure of the device, as an error: a lost device is
    /// [`Error::DeviceLost`], an uncaught validation or out-of-memory error
    /// [`Error::Gpu`].
    pub(crate) fn check(&self) -> Result<()> {
        let read = || self.fault.lock().unwrap_or_else(|p| p.into_inner()).clone();
        let mut fault = read();
        if fault.lost.is_none() && fault.uncaptured.is_some() {
            // A loss is reported from the device's maintenance; let it run once so
            // that a lost device is not reported as the validation errors it causes.
            let _ = self.device.poll(wgpu::PollType::Poll);
            fault = read();
        }
        let on = describe(&self.info);
        match fault {
            Fault {
                lost: Some(why), ..
            } => Err(Error::DeviceLost(format!("{why} on {on}"))),
            Fault {
                uncaptured: Some(what),
                ..
            } => Err(Error::Gpu(format!("{what} on {on}"))),
            _ => Ok(()),
        }
    }
}
