//! WASI backend for getrandom 0.2.8, replacing the registry copy's `src/wasi.rs`.
//! Debian's package dropped the `wasi` crate dependency, so import the one function
//! we need from WASI preview 1 directly.
use crate::Error;
use core::num::NonZeroU32;

#[link(wasm_import_module = "wasi_snapshot_preview1")]
extern "C" {
    fn random_get(buf: *mut u8, buf_len: usize) -> u16;
}

pub fn getrandom_inner(dest: &mut [u8]) -> Result<(), Error> {
    match unsafe { random_get(dest.as_mut_ptr(), dest.len()) } {
        0 => Ok(()),
        errno => Err(unsafe { NonZeroU32::new_unchecked(u32::from(errno)) }.into()),
    }
}
