//! `oxyfield devices`.

use oxyfield::backend::gpu;
use oxyfield::Result;

pub fn devices() -> Result<()> {
    let adapters = gpu::adapters();
    if adapters.is_empty() {
        println!("no GPU adapters found (install a Vulkan, Metal or DX12 driver); the CPU backend is always available");
        return Ok(());
    }
    for (i, a) in adapters.iter().enumerate() {
        let info = a.get_info();
        let note = if gpu::is_software(&info) {
            "  [software: `--backend auto` prefers the CPU backend]"
        } else {
            ""
        };
        let lim = a.limits();
        println!(
            "{i}: {}  max storage binding {} MiB{note}",
            gpu::describe(&info),
            lim.max_storage_buffer_binding_size >> 20
        );
    }
    Ok(())
}
