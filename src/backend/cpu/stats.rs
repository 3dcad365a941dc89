//! CPU twin of the statistics kernels (`src/backend/gpu/stats.rs`): the reference
//! functions of [`crate::backend::stats`] on the store's host arrays. Each reduction
//! item and each median counts as one dispatch; nothing crosses to the caller but the
//! results, so no bytes are counted.

use super::CpuBackend;
use crate::backend::stats::{median_slices, reduce_slices, Reduce, StatsKernels};
use crate::backend::Field;
use crate::Result;

impl StatsKernels for CpuBackend {
    fn reduce_masked(&mut self, mask: Field, items: &[(Field, Reduce)]) -> Result<Vec<f64>> {
        self.return_lent();
        let m = self.store.get(mask);
        let out = items
            .iter()
            .map(|&(f, r)| reduce_slices(m, self.store.get(f), r))
            .collect();
        self.store.counters.dispatches += items.len() as u64;
        Ok(out)
    }

    fn median_masked(&mut self, mask: Field, field: Field) -> Result<f64> {
        self.return_lent();
        let median = median_slices(self.store.get(mask), self.store.get(field));
        self.store.counters.dispatches += 1;
        Ok(median)
    }
}
