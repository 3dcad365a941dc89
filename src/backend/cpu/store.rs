//! The CPU backend's fields: host arrays behind [`Field`] handles. "Up" and "down" are
//! the copies between the caller's slices and these arrays, counted as the GPU
//! backend counts its transfers, so that `bench` and the transfer tests read bytes the
//! same way on both backends. (Dispatches are counted for pointwise kernels,
//! reductions and coarsening only; the GPU counts every dispatch.)

use crate::backend::field::Slots;
use crate::backend::{Counters, Field};

/// Host arrays by handle, and the counts of what was copied in and out.
#[derive(Debug, Default)]
pub(crate) struct CpuStore {
    slots: Slots<Vec<f32>>,
    /// Counts so far (`submits` stays 0 on the CPU).
    pub(crate) counters: Counters,
}

impl CpuStore {
    /// A new field of `len` zeros.
    pub(crate) fn alloc(&mut self, len: usize) -> Field {
        self.slots.insert(vec![0.0; len], len)
    }

    /// Frees `f`.
    pub(crate) fn free(&mut self, f: Field) {
        self.slots.remove(f);
    }

    /// The values of `f`.
    pub(crate) fn get(&self, f: Field) -> &[f32] {
        let v = self.slots.get(f);
        assert_eq!(
            v.len(),
            f.len(),
            "field {f:?} is lent out (a programming error)"
        );
        v
    }

    /// The values of `f`, mutably.
    pub(crate) fn get_mut(&mut self, f: Field) -> &mut [f32] {
        let v = self.slots.get_mut(f);
        assert_eq!(
            v.len(),
            f.len(),
            "field {f:?} is lent out (a programming error)"
        );
        v
    }

    /// Takes the array of `f` out (leaving it empty) so that a kernel can write it while
    /// reading others; give it back with [`CpuStore::put`].
    pub(crate) fn take(&mut self, f: Field) -> Vec<f32> {
        let v = std::mem::take(self.slots.get_mut(f));
        assert_eq!(
            v.len(),
            f.len(),
            "field {f:?} is lent out (a programming error)"
        );
        v
    }

    /// Gives back an array taken with [`CpuStore::take`].
    pub(crate) fn put(&mut self, f: Field, data: Vec<f32>) {
        assert_eq!(data.len(), f.len(), "field length");
        *self.slots.get_mut(f) = data;
    }

    /// Copies `data` into `f`, counted as bytes up.
    pub(crate) fn upload(&mut self, f: Field, data: &[f32]) {
        assert_eq!(data.len(), f.len(), "field length");
        self.get_mut(f).copy_from_slice(data);
        self.counters.bytes_up += (data.len() * 4) as u64;
    }

    /// A new field holding `data` as it is (no copy), counted as bytes up as an upload
    /// of it would be.
    pub(crate) fn insert(&mut self, data: Vec<f32>) -> Field {
        self.counters.bytes_up += (data.len() * 4) as u64;
        let len = data.len();
        self.slots.insert(data, len)
    }

    /// Frees `f` and hands its array over (no copy); `read` counts it as bytes down, as
    /// a read of it would be (an array lent and given back is not a transfer).
    pub(crate) fn remove(&mut self, f: Field, read: bool) -> Vec<f32> {
        let v = self.take(f);
        if read {
            self.counters.bytes_down += (v.len() * 4) as u64;
        }
        self.slots.remove(f);
        v
    }

    /// A copy of `f`, counted as bytes down.
    pub(crate) fn read(&mut self, f: Field) -> Vec<f32> {
        self.counters.bytes_down += (f.len() * 4) as u64;
        self.get(f).to_vec()
    }

    /// Copies `src` into `dst`.
    pub(crate) fn copy(&mut self, src: Field, dst: Field) {
        assert_eq!(src.len(), dst.len(), "field length");
        let data = self.take(dst);
        let mut data = data;
        data.copy_from_slice(self.get(src));
        self.put(dst, data);
    }
}
