//! The host imports, module `rapidbyte`, exactly as wit/LOWERING.md lists them. Pointers
//! and `usize` lengths lower to wasm `i32`. Only the SDK calls these; connectors use the
//! safe wrappers.

use crate::error::ConnectorError;
use crate::result_code::import_error;

/// One piece of the stream `emit_batch` takes, as LOWERING.md lays it out: its address, then
/// its length (two `i32`s, like WASI's `ciovec`).
#[repr(C)]
pub(crate) struct Piece {
    pub(crate) ptr: *const u8,
    pub(crate) len: usize,
}

#[link(wasm_import_module = "rapidbyte")]
extern "C" {
    pub(crate) fn protocol_version() -> i32;
    pub(crate) fn log(level: i32, ptr: *const u8, len: usize);
    pub(crate) fn tcp_connect(host_ptr: *const u8, host_len: usize, port: i32) -> i64;
    pub(crate) fn tcp_connect_tls(
        host_ptr: *const u8,
        host_len: usize,
        port: i32,
        tls_ptr: *const u8,
        tls_len: usize,
    ) -> i64;
    pub(crate) fn tcp_read(handle: i32, ptr: *mut u8, len: usize) -> i64;
    pub(crate) fn tcp_write(handle: i32, ptr: *const u8, len: usize) -> i64;
    pub(crate) fn tcp_close(handle: i32) -> i64;
    pub(crate) fn emit_batch(pieces: *const Piece, count: usize) -> i64;
    pub(crate) fn next_batch() -> i64;
    pub(crate) fn checkpoint(ptr: *const u8, len: usize) -> i64;
    pub(crate) fn source_checkpoint() -> i64;
    pub(crate) fn state_get(key_ptr: *const u8, key_len: usize) -> i64;
    pub(crate) fn state_put(
        key_ptr: *const u8,
        key_len: usize,
        value_ptr: *const u8,
        value_len: usize,
    ) -> i64;
    pub(crate) fn counter_add(name_ptr: *const u8, name_len: usize, delta: i64) -> i64;
    pub(crate) fn gauge_set(name_ptr: *const u8, name_len: usize, value: f64) -> i64;
    pub(crate) fn timer_start(millis: i64) -> i64;
    pub(crate) fn timer_cancel(handle: i32) -> i64;
    pub(crate) fn is_cancelled() -> i32;
    pub(crate) fn take_result(ptr: *mut u8, cap: usize) -> i64;
}

/// Copies the result slot out when the import just reported its length `len`.
pub(crate) fn take_result_of(len: usize) -> Vec<u8> {
    let mut buffer = Vec::with_capacity(len);
    // Safety: the host writes at most `cap` bytes at `ptr`.
    let copied = unsafe { take_result(buffer.as_mut_ptr(), len) };
    // Any other answer means the host replaced or dropped the slot between two calls.
    assert_eq!(
        copied, len as i64,
        "take_result: expected the {}-byte result the previous import announced",
        len
    );
    // Safety: the host copied the whole slot, `len` bytes.
    unsafe { buffer.set_len(len) };
    buffer
}

/// The error for `code` from `import`, with the message the host left in the result slot.
pub(crate) fn import_failure(import: &str, code: i64) -> ConnectorError {
    // Safety: a zero capacity only asks the length.
    let len = unsafe { take_result(std::ptr::null_mut(), 0) };
    let message = if len > 0 {
        String::from_utf8_lossy(&take_result_of(len as usize)).into_owned()
    } else {
        String::new()
    };
    import_error(import, code, message)
}
