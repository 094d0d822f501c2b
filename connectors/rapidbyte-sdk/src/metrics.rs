//! Metrics through the host. They never fail an operation: a run is not worth losing
//! over a number on a dashboard, so a refused update is dropped.

use crate::abi;

/// Adds `delta` to the counter `name` (e.g. `source.rows`).
pub fn counter_add(name: &str, delta: i64) {
    // Safety: the host only reads `len` bytes at `ptr`.
    unsafe { abi::counter_add(name.as_ptr(), name.len(), delta) };
}

/// Sets the gauge `name` to `value`.
pub fn gauge_set(name: &str, value: f64) {
    // Safety: as above.
    unsafe { abi::gauge_set(name.as_ptr(), name.len(), value) };
}
