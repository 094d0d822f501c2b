//! Guests that misbehave, for the host's limits: they must fail their run cleanly
//! (CPU limit, memory limit, trap with the panic's message) and never the host.

use std::num::NonZeroUsize;
use std::ptr;

const MIB: usize = 1024 * 1024;
/// Every page written once, so the memory is really used, not just reserved.
const PAGE: usize = 4096;

/// Never returns. The counter is written volatile so the optimiser cannot drop the loop
/// (`std::hint::black_box` is Rust 1.66; Debian's toolchain is 1.63).
pub(super) fn spin() -> ! {
    let mut turns = 0u64;
    loop {
        // Safety: a plain local.
        unsafe { ptr::write_volatile(&mut turns, turns.wrapping_add(1)) };
    }
}

/// Allocates `chunk_mb` MiB at a time and keeps it all until an allocation fails, which
/// aborts the guest (a trap the host reports as the memory limit).
pub(super) fn grow_memory(chunk_mb: NonZeroUsize) -> ! {
    let size = chunk_mb.get() * MIB;
    let mut kept: Vec<Vec<u8>> = Vec::new();
    loop {
        let mut chunk = vec![0u8; size];
        for page in chunk.chunks_mut(PAGE) {
            // Safety: in bounds; volatile so the writes (and the allocation) stay.
            unsafe { ptr::write_volatile(&mut page[0], 0xA5) };
        }
        kept.push(chunk);
    }
}

pub(super) fn panic(message: &str) -> ! {
    panic!("{}", message)
}
