//! Copying a value's bytes in hot loops.
//!
//! Connectors are built with bulk memory: a copy of a length known only at run time becomes
//! `memory.copy`, which Wasmtime runs as a call into its runtime (a `memmove`), cheap per byte
//! but dear per call. Moving a table value by value, that call is most of the cost of an
//! 8-byte integer. [`with_constant_len`] hands the common fixed widths to the copy as slices
//! whose length the compiler knows, so they become plain loads and stores.

/// Calls `put` with `value`; when it is 2, 4, 8 or 16 bytes long (integers, floats, dates,
/// times, timestamps, uuids, intervals) as a slice of that constant length, so that a copy
/// `put` makes of it compiles to loads and stores rather than a `memory.copy`.
#[inline(always)]
pub fn with_constant_len<R>(value: &[u8], put: impl FnOnce(&[u8]) -> R) -> R {
    match value.len() {
        8 => put(&<[u8; 8]>::try_from(value).expect("8 bytes")[..]),
        4 => put(&<[u8; 4]>::try_from(value).expect("4 bytes")[..]),
        16 => put(&<[u8; 16]>::try_from(value).expect("16 bytes")[..]),
        2 => put(&<[u8; 2]>::try_from(value).expect("2 bytes")[..]),
        _ => put(value),
    }
}

#[cfg(test)]
mod tests {
    use super::with_constant_len;

    #[test]
    fn every_length_arrives_whole() {
        for len in 0..40usize {
            let value: Vec<u8> = (0..len as u8).collect();
            let mut out = Vec::new();
            with_constant_len(&value, |v| out.extend_from_slice(v));
            assert_eq!(out, value);
        }
    }
}
