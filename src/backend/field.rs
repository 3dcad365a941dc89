//! Fields held by a backend for the length of a run, and the traffic counters.
//!
//! A [`Field`] is a handle: a number the backend that made it understands, and the
//! field's length. The data stays where the backend keeps it (a host array on the CPU
//! backend, a storage buffer on the GPU backend); kernels take handles, and whole
//! fields cross to the host only through [`FieldStore::field_read`] and
//! [`FieldStore::field_upload`], which outputs, checkpoints and snapshots use.
//!
//! [`FieldStore::field_read`]: super::FieldStore::field_read
//! [`FieldStore::field_upload`]: super::FieldStore::field_upload

use serde::Serialize;

/// A field of f32 values held by a backend (one value per voxel of a grid, C order,
/// unless its maker says otherwise). Valid for the backend that made it, until freed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Field {
    id: u32,
    /// Which use of the slot: a handle of a freed field never equals its successor's
    /// (backends key cached bindings by handle).
    generation: u32,
    len: u32,
}

impl Field {
    /// A handle; only backends make them.
    pub(crate) fn new(id: usize, generation: u32, len: usize) -> Self {
        Field {
            id: u32::try_from(id).expect("fewer than 2³² fields"),
            generation,
            len: u32::try_from(len).expect("fields of fewer than 2³² values"),
        }
    }

    /// The slot of this field in its backend's store.
    pub(crate) fn id(self) -> usize {
        self.id as usize
    }

    /// Number of values.
    pub(crate) fn len(self) -> usize {
        self.len as usize
    }

    /// True for a field of no values.
    pub(crate) fn is_empty(self) -> bool {
        self.len == 0
    }
}

/// What crossed between host and backend, and how the work was submitted, since the
/// backend was made. Compare two readings with [`Counters::since`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counters {
    /// Bytes copied from the host to the backend's fields and uniforms.
    pub bytes_up: u64,
    /// Bytes copied from the backend to the host.
    pub bytes_down: u64,
    /// Command submissions (GPU; 0 on the CPU backend).
    pub submits: u64,
    /// Kernel dispatches (GPU workgroup dispatches; CPU kernel calls).
    pub dispatches: u64,
}

impl Counters {
    /// Adds `other` to these counts.
    pub(crate) fn add(&mut self, other: &Counters) {
        self.bytes_up += other.bytes_up;
        self.bytes_down += other.bytes_down;
        self.submits += other.submits;
        self.dispatches += other.dispatches;
    }

    /// Bytes in both directions.
    pub(crate) fn bytes(&self) -> u64 {
        self.bytes_up + self.bytes_down
    }

    /// The counts between `earlier` and `self`.
    pub fn since(&self, earlier: &Counters) -> Counters {
        Counters {
            bytes_up: self.bytes_up - earlier.bytes_up,
            bytes_down: self.bytes_down - earlier.bytes_down,
            submits: self.submits - earlier.submits,
            dispatches: self.dispatches - earlier.dispatches,
        }
    }
}

/// The slots of a store: `T` per live field, reusing freed slots.
#[derive(Debug)]
pub(crate) struct Slots<T> {
    slots: Vec<Option<(T, usize, u32)>>,
    /// Handles made so far: each handle's generation.
    made: u32,
}

impl<T> Default for Slots<T> {
    fn default() -> Self {
        Slots {
            slots: Vec::new(),
            made: 0,
        }
    }
}

impl<T> Slots<T> {
    /// Keeps `value` (of `len` values) and returns its handle.
    pub(crate) fn insert(&mut self, value: T, len: usize) -> Field {
        self.made = self.made.wrapping_add(1);
        let slot = Some((value, len, self.made));
        let id = match self.slots.iter().position(Option::is_none) {
            Some(i) => {
                self.slots[i] = slot;
                i
            }
            None => {
                self.slots.push(slot);
                self.slots.len() - 1
            }
        };
        Field::new(id, self.made, len)
    }

    /// Frees the slot of `f`.
    pub(crate) fn remove(&mut self, f: Field) -> Option<T> {
        match self.slots.get_mut(f.id()) {
            Some(s) if s.as_ref().is_some_and(|(_, _, g)| *g == f.generation) => {
                s.take().map(|(v, _, _)| v)
            }
            _ => None,
        }
    }

    /// The value of `f`. Panics on a handle this store did not make or freed (a
    /// programming error).
    pub(crate) fn get(&self, f: Field) -> &T {
        match self.slots.get(f.id()) {
            Some(Some((v, len, g))) if *len == f.len() && *g == f.generation => v,
            _ => panic!("field {f:?} is not held by this backend (a programming error)"),
        }
    }

    /// The value of `f`, mutably (panics as [`Slots::get`]).
    pub(crate) fn get_mut(&mut self, f: Field) -> &mut T {
        match self.slots.get_mut(f.id()) {
            Some(Some((v, len, g))) if *len == f.len() && *g == f.generation => v,
            _ => panic!("field {f:?} is not held by this backend (a programming error)"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_reuse_freed_places_and_check_lengths() {
        let mut s = Slots::default();
        let a = s.insert(1, 4);
        let b = s.insert(2, 8);
        assert_eq!((a.id(), b.id()), (0, 1));
        assert_eq!(s.remove(a), Some(1));
        let c = s.insert(3, 4);
        assert_eq!(c.id(), 0);
        assert_eq!(*s.get(c), 3);
        assert_eq!(s.slots.iter().filter(|x| x.is_some()).count(), 2);
        let counters = Counters {
            bytes_up: 10,
            bytes_down: 4,
            submits: 3,
            dispatches: 9,
        };
        assert_eq!(
            counters.since(&Counters {
                bytes_up: 4,
                ..Counters::default()
            }),
            Counters {
                bytes_up: 6,
                ..counters
            }
        );
    }
}

/// A steady problem in the O2 form whose coefficient fields are resident on a backend
/// (the resident twin of [`crate::problem::O2Problem`] on the user's grid, where every
/// last cell is full). The O2, ROS and drug solves of a protocol step are each one.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FieldProblem {
    /// Grid geometry.
    pub grid: crate::grid::Grid,
    /// Diffusivity, Michaelis–Menten uptake and wall permeability.
    pub params: crate::physics::o2::O2Params,
    /// Per face: a fixed value, or negative for no-flux ([`crate::problem::face`]).
    pub faces: [f32; 6],
    /// Wall area per volume Sv (µm⁻¹), or the linear sink Γ of a linear problem.
    pub sv: Field,
    /// Blood pO2 at the wall Pb (mmHg), or the source S/Γ of a linear problem.
    pub pb: Field,
    /// Cell fraction n (uptake M·n).
    pub viable: Field,
    /// Fixed value where ≥ 0, negative where free.
    pub fixed: Field,
}

impl FieldProblem {
    /// The coefficient fields in the order sv, pb, viable, fixed.
    pub(crate) fn fields(&self) -> [Field; 4] {
        [self.sv, self.pb, self.viable, self.fixed]
    }
}
