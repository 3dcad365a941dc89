//! CPU twin of `shaders/tissue.wgsl`: the tissue-state kernels, one voxel at a time
//! through [`irradiate_voxel`], [`kill_voxel`] and [`step_voxel`], parallel over
//! z-planes, on the store's fields (the state's four are taken out of the store for the
//! update and put back).

use super::store::CpuStore;
use super::CpuBackend;
use crate::backend::tissue::{
    irradiate_voxel, kill_voxel, region_mask, step_voxel, TissueFields, TissueHandles,
    TissueUniforms, Voxel,
};
use crate::backend::{Field, TissueKernels};
use crate::grid::Grid;
use crate::Result;
use rayon::prelude::*;

const NOT_LOADED: &str =
    "CpuBackend: tissue kernels used before tissue_load() (a programming error)";

/// The tissue state held by the CPU backend: its fields in the store.
#[derive(Debug, Clone, Copy)]
pub(crate) struct CpuTissue {
    /// Voxels per z-plane.
    plane: usize,
    /// The store fields of the state.
    fields: TissueHandles,
}

impl CpuTissue {
    /// Replaces each region voxel's state v by `f(idx, inputs, v)`, `inputs` being the
    /// values of `inputs` (store fields other than the state's).
    fn update<const N: usize>(
        &self,
        store: &mut CpuStore,
        inputs: [Field; N],
        f: impl Fn(usize, &[&[f32]; N], Voxel) -> Voxel + Sync,
    ) {
        let len = self.fields.viable.len();
        for x in inputs {
            assert_eq!(x.len(), len, "field length");
        }
        let [fv, fd, fl, fh] = self.fields.state();
        let (mut vn, mut vd, mut vl, mut vh) = (
            store.take(fv),
            store.take(fd),
            store.take(fl),
            store.take(fh),
        );
        {
            let plane = self.plane.max(1);
            let region = store.get(self.fields.region);
            let inputs: [&[f32]; N] = inputs.map(|x| store.get(x));
            let inputs = &inputs;
            let f = &f;
            vn.par_chunks_mut(plane)
                .zip(vd.par_chunks_mut(plane))
                .zip(vl.par_chunks_mut(plane))
                .zip(vh.par_chunks_mut(plane))
                .enumerate()
                .for_each(|(kz, (((n, d), l), h))| {
                    for o in 0..n.len() {
                        let idx = kz * plane + o;
                        if region[idx] != 0.0 {
                            let v = f(
                                idx,
                                inputs,
                                Voxel {
                                    n: n[o],
                                    d: d[o],
                                    l: l[o],
                                    h: h[o],
                                },
                            );
                            (n[o], d[o], l[o], h[o]) = (v.n, v.d, v.l, v.h);
                        }
                    }
                });
        }
        store.put(fv, vn);
        store.put(fd, vd);
        store.put(fl, vl);
        store.put(fh, vh);
    }
}

impl CpuBackend {
    /// The loaded state, after the arrays lent to a solver are back in the store.
    fn tissue_state(&mut self) -> CpuTissue {
        self.return_lent();
        self.tissue.expect(NOT_LOADED)
    }
}

impl TissueKernels for CpuBackend {
    fn tissue_load(
        &mut self,
        grid: &Grid,
        region: &[u32],
        state: &TissueFields,
    ) -> Result<TissueHandles> {
        self.return_lent();
        let len = grid.len();
        state.assert_len(len, region);
        if let Some(old) = self.tissue.take() {
            for f in old.fields.all() {
                self.store.free(f);
            }
        }
        let mut put = |data: &[f32]| {
            let f = self.store.alloc(data.len());
            self.store.upload(f, data);
            f
        };
        let fields = TissueHandles {
            region: put(&region_mask(region)),
            viable: put(&state.viable),
            dead: put(&state.dead),
            doomed: put(&state.doomed),
            hif: put(&state.hif),
        };
        self.tissue = Some(CpuTissue {
            plane: grid.nx * grid.ny,
            fields,
        });
        Ok(fields)
    }

    fn tissue_irradiate(
        &mut self,
        u: &TissueUniforms,
        po2: Field,
        dose_map: Option<Field>,
    ) -> Result<()> {
        let t = self.tissue_state();
        match (u.has_map(), dose_map) {
            (true, Some(m)) => t.update(&mut self.store, [po2, m], |idx, [p, m], v| {
                let (n, l) = irradiate_voxel(u, v.n, v.l, p[idx], m[idx]);
                Voxel { n, l, ..v }
            }),
            (true, None) => panic!("tissue_irradiate: the uniforms ask for a dose map"),
            (false, _) => t.update(&mut self.store, [po2], |idx, [p], v| {
                let (n, l) = irradiate_voxel(u, v.n, v.l, p[idx], 1.0);
                Voxel { n, l, ..v }
            }),
        }
        Ok(())
    }

    fn tissue_kill(&mut self, log_kill: Field) -> Result<()> {
        let t = self.tissue_state();
        t.update(&mut self.store, [log_kill], |idx, [k], v| {
            let (n, l) = kill_voxel(v.n, v.l, k[idx]);
            Voxel { n, l, ..v }
        });
        Ok(())
    }

    fn tissue_step(&mut self, u: &TissueUniforms, po2: Field) -> Result<()> {
        let t = self.tissue_state();
        t.update(&mut self.store, [po2], |idx, [p], v| {
            step_voxel(u, v, p[idx])
        });
        Ok(())
    }

    fn tissue_read(&mut self) -> Result<TissueFields> {
        let t = self.tissue_state();
        let s = t.fields;
        Ok(TissueFields {
            viable: self.store.read(s.viable),
            dead: self.store.read(s.dead),
            doomed: self.store.read(s.doomed),
            hif: self.store.read(s.hif),
        })
    }
}
