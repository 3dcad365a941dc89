//! Every WGSL kernel parses and validates with naga: a broken shader fails here,
//! without a GPU.

#[test]
fn every_shader_parses_and_validates() {
    let kernels = oxyfield::backend::gpu::shaders::all();
    assert_eq!(kernels.len(), 12);
    for (name, src) in kernels {
        let module = naga::front::wgsl::parse_str(&src)
            .unwrap_or_else(|e| panic!("{name}: {}", e.emit_to_string(&src)));
        let mut validator = naga::valid::Validator::new(
            naga::valid::ValidationFlags::all(),
            naga::valid::Capabilities::empty(),
        );
        validator
            .validate(&module)
            .unwrap_or_else(|e| panic!("{name}: {}", e.emit_to_string(&src)));
        assert!(
            module
                .entry_points
                .iter()
                .all(|e| e.stage == naga::ShaderStage::Compute),
            "{name}: only compute entry points expected"
        );
    }
}

#[test]
fn every_shader_file_is_used() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/shaders");
    let used: Vec<String> = oxyfield::backend::gpu::shaders::all()
        .into_iter()
        .map(|(n, _)| format!("{n}.wgsl"))
        .collect();
    for entry in std::fs::read_dir(dir).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        if name.ends_with(".wgsl") {
            assert!(
                used.contains(&name),
                "shaders/{name} is not loaded by any kernel"
            );
        }
    }
}
