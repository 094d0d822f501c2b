//! The module's exports (wit/LOWERING.md, "Exports"). `rb_start` itself is emitted by
//! `connector!` in the connector crate, because it names the connector type; it calls
//! [`start`].

use crate::abi;
use crate::connector::Connector;
use crate::log;
use crate::protocol::PROTOCOL_VERSION;
use crate::runtime::{self, Misuse, Status};
use std::panic::{self, PanicInfo};
use std::ptr::addr_of_mut;
use std::sync::Once;

const EVENT_SLOTS: usize = 256;

/// The host writes ready events here before `rb_poll(n)`.
static mut EVENTS: [u32; EVENT_SLOTS] = [0; EVENT_SLOTS];

#[no_mangle]
pub extern "C" fn rb_protocol_version() -> i32 {
    PROTOCOL_VERSION as i32
}

/// Memory for the host to write an operation's input into; `null` for a negative length.
#[no_mangle]
pub extern "C" fn rb_alloc(len: i32) -> *mut u8 {
    if len < 0 {
        return std::ptr::null_mut();
    }
    // A boxed slice's allocation is exactly `len` bytes, so `rb_free` and `start` can
    // rebuild it from the pointer and the length alone.
    Box::into_raw(vec![0u8; len as usize].into_boxed_slice()) as *mut u8
}

/// Frees what `rb_alloc(len)` returned.
///
/// # Safety
/// `ptr` and `len` must be a pair `rb_alloc` returned and not yet freed or passed on.
#[no_mangle]
pub unsafe extern "C" fn rb_free(ptr: *mut u8, len: i32) {
    drop(take_buffer(ptr, len));
}

#[no_mangle]
pub extern "C" fn rb_events() -> *mut u32 {
    // Safety: only the address is taken; the host writes the buffer between calls.
    unsafe { addr_of_mut!(EVENTS) as *mut u32 }
}

#[no_mangle]
pub extern "C" fn rb_poll(n_events: i32) -> i32 {
    // Safety: the guest has one thread and nothing else refers to the buffer during a call.
    let events = unsafe { &*addr_of_mut!(EVENTS) };
    status_code(runtime::poll(events, n_events))
}

/// `(ptr << 32) | len` of the finished operation's output JSON.
#[no_mangle]
pub extern "C" fn rb_output() -> i64 {
    let (ptr, len) = runtime::output();
    ((ptr as u32 as i64) << 32) | len as u32 as i64
}

/// The body of `rb_start`: starts operation `op` on the module's connector instance.
///
/// # Safety
/// `input_ptr` and `input_len` must be a pair `rb_alloc` returned; ownership passes here.
pub unsafe fn start<C: Connector>(op: i32, input_ptr: *mut u8, input_len: i32) -> i32 {
    static PANIC_HOOK: Once = Once::new();
    PANIC_HOOK.call_once(|| panic::set_hook(Box::new(log_panic)));
    let input = take_buffer(input_ptr, input_len);
    status_code(runtime::start::<C>(op, input, abi::protocol_version()))
}

unsafe fn take_buffer(ptr: *mut u8, len: i32) -> Box<[u8]> {
    if ptr.is_null() || len <= 0 {
        // Nothing was allocated for it (or the host passed no buffer at all).
        return Box::default();
    }
    Box::from_raw(std::ptr::slice_from_raw_parts_mut(ptr, len as usize))
}

fn status_code(result: Result<Status, Misuse>) -> i32 {
    match result {
        Ok(status) => status as i32,
        Err(misuse) => {
            log::error(&misuse.message());
            misuse.code()
        }
    }
}

/// A panic aborts the instance (`panic = abort`) and the host sees only a trap, so the
/// message goes to the host's log first, where it can attach it to the run's error.
fn log_panic(info: &PanicInfo<'_>) {
    let payload = info.payload();
    let message = match payload.downcast_ref::<&str>() {
        Some(message) => message,
        None => payload
            .downcast_ref::<String>()
            .map(String::as_str)
            .unwrap_or("(no message)"),
    };
    match info.location() {
        Some(at) => log::error(&format!(
            "panic: {} (at {}:{})",
            message,
            at.file(),
            at.line()
        )),
        None => log::error(&format!("panic: {}", message)),
    }
}
