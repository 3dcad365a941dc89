//! Every WGSL kernel parses and validates with naga: a broken shader fails here,
//! without a GPU.

#[test]
fn every_shader_parses_and_validates() {
    let kernels = oxyfield::backend::gpu::shaders::all();
    // One kernel per file of shaders/ (the shared parts are prepended, not counted).
    let files = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/shaders"))
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .ends_with(".wgsl")
        })
        .count();
    assert_eq!(kernels.len(), files);
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

/// Every pointwise kernel's uniform block (its Rust `Pod` mirror, as bytes) has the
/// size of the WGSL struct bound at group 0, binding 0 of its shader, and its
/// inputs and outputs are the shader's storage bindings 1.. in order: a mirror that
/// drifts from its shader fails here, without a GPU.
#[test]
fn pointwise_uniform_blocks_match_their_wgsl_structs() {
    use oxyfield::backend::drug_fields as d;
    use oxyfield::backend::o2_coefficients as o;
    use oxyfield::backend::pointwise::Pointwise;
    use oxyfield::backend::ros_fields as r;
    use oxyfield::physics::drug::DrugParams;
    use oxyfield::physics::o2::O2Params;
    use oxyfield::physics::ros::RosParams;
    let n = 100;
    let (rp, o2p) = (RosParams::default(), O2Params::default());
    let dp = DrugParams::preset("evofosfamide").expect("preset");
    let kernels: Vec<Box<dyn Pointwise>> = vec![
        Box::new(o::Consuming {
            len: n,
            switch_share: 0.3,
        }),
        Box::new(o::TissueMask { len: n }),
        Box::new(o::Po2Band {
            len: n,
            lo: 2.5,
            hi: 10.0,
        }),
        Box::new(o::Vessels {
            len: n,
            perfusion: 1.0,
            pb_increase: 0.0,
        }),
        Box::new(o::WeightedVessels(o::Vessels {
            len: n,
            perfusion: 1.0,
            pb_increase: 0.0,
        })),
        Box::new(o::ApplyFixed { len: n }),
        Box::new(r::RosProduction::new(n, &o2p, &rp, 0.1, true)),
        Box::new(r::RosProblem::new(n, &rp)),
        Box::new(r::GshBaseline::new(n, &rp)),
        Box::new(r::GshSteady {
            len: n,
            rates: r::GshRates::of(&rp),
        }),
        Box::new(r::GshAdvance::new(n, &rp, 10.0, 0.1, 0.0)),
        Box::new(r::RosKill::new(n, 1.0, 0.1, 3600.0)),
        Box::new(d::DrugActivation::new(n, &dp.activation)),
        Box::new(d::ProdrugStep::new(n, &dp, 120.0, 1.0)),
        Box::new(d::MetaboliteStep::new(n, &dp, 120.0)),
        Box::new(d::MetaboliteLocal::new(n, &dp, 120.0)),
        Box::new(d::Exposure::new(n, &dp, 120.0)),
        Box::new(d::Decay {
            len: n,
            ratio: 0.5,
            gain_h: 0.1,
            kill_per_um_h: 0.1,
        }),
        Box::new(d::FloorTerm::new(n, 100.0, 10.0, 1.0, 1.0)),
    ];
    for k in kernels {
        let shader = k.shader();
        let src = shader.source();
        let module = naga::front::wgsl::parse_str(&src)
            .unwrap_or_else(|e| panic!("{}: {}", shader.name, e.emit_to_string(&src)));
        let mut bindings: Vec<(u32, naga::Handle<naga::Type>)> = module
            .global_variables
            .iter()
            .filter_map(|(_, v)| v.binding.as_ref().map(|b| (b.binding, v.ty)))
            .collect();
        bindings.sort_by_key(|b| b.0);
        let (inputs, outputs) = k.arity();
        assert_eq!(
            bindings.iter().map(|b| b.0).collect::<Vec<_>>(),
            (0..=(inputs + outputs) as u32).collect::<Vec<_>>(),
            "{}: bindings",
            shader.name
        );
        let size = module.types[bindings[0].1].inner.size(module.to_ctx());
        assert_eq!(
            k.uniforms().len() as u32,
            size,
            "{}: uniform bytes vs the WGSL struct",
            shader.name
        );
    }
}

/// The WGSL struct named `name` in `module`: (size, member names and offsets).
fn wgsl_struct(module: &naga::Module, name: &str) -> Option<(u32, Vec<(String, u32)>)> {
    module.types.iter().find_map(|(_, t)| match &t.inner {
        naga::TypeInner::Struct { members, span } if t.name.as_deref() == Some(name) => Some((
            *span,
            members
                .iter()
                .map(|m| (m.name.clone().unwrap_or_default(), m.offset))
                .collect(),
        )),
        _ => None,
    })
}

/// Every Rust mirror of a WGSL struct (`backend::gpu::layout::mirrors`) has its
/// struct's size, and every Rust field starts where a WGSL member starts, in order: a
/// field added or dropped on one side, or fields of different sizes reordered, fails
/// here without a GPU (two fields of one size swapped, or f32 against u32, do not:
/// the GPU-vs-CPU tests see those).
#[test]
fn every_struct_mirror_has_its_wgsl_layout() {
    use oxyfield::backend::gpu::{layout, shaders};
    let sources: std::collections::BTreeMap<_, _> = shaders::all().into_iter().collect();
    let mirrors = layout::mirrors();
    assert!(mirrors.len() >= 5);
    for m in mirrors {
        let src = &sources[m.shader];
        let module = naga::front::wgsl::parse_str(src).expect("shaders parse (tested above)");
        let (size, members) = wgsl_struct(&module, m.wgsl)
            .unwrap_or_else(|| panic!("{}: no struct {}", m.shader, m.wgsl));
        assert_eq!(m.size as u32, size, "{}: size of {}", m.shader, m.wgsl);
        let starts: Vec<u32> = members.iter().map(|x| x.1).collect();
        for (field, offset) in &m.fields {
            assert!(
                starts.contains(&(*offset as u32)),
                "{}: Rust field `{field}` at byte {offset} starts no member of {} ({members:?})",
                m.shader,
                m.wgsl
            );
        }
        // The fields are listed in order, from the struct's start.
        assert_eq!(
            m.fields.first().map(|f| f.1),
            Some(0),
            "{}: first field",
            m.wgsl
        );
        assert!(
            m.fields.windows(2).all(|w| w[0].1 < w[1].1),
            "{}: field order",
            m.wgsl
        );
    }
}

/// Every compute entry point's workgroup is one of the two the host dispatches with
/// (`backend::gpu::layout::WG_3D`, `WG_1D`).
#[test]
fn every_entry_point_uses_a_published_workgroup_size() {
    use oxyfield::backend::gpu::{layout, shaders};
    for (name, src) in shaders::all() {
        let module = naga::front::wgsl::parse_str(&src).expect("shaders parse (tested above)");
        for ep in &module.entry_points {
            let wg = ep.workgroup_size;
            assert!(
                wg == layout::WG_3D || wg == [layout::WG_1D, 1, 1],
                "{name}: entry point {} has @workgroup_size{wg:?}; use {:?} or ({}) as \
                 backend::gpu::layout publishes",
                ep.name,
                layout::WG_3D,
                layout::WG_1D
            );
        }
    }
}
