//! Sleeping through host timers: WASI sleep (`poll_oneoff`) would block a host thread, and
//! the host refuses modules that import it.

use crate::abi;
use crate::reactor::{self, READABLE};
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

/// Waits at least `duration`, costing nothing while it waits.
pub async fn sleep(duration: Duration) {
    Timer::start(duration).await
}

/// A host timer; dropping it early cancels it.
struct Timer {
    handle: u32,
    fired: bool,
}

impl Timer {
    fn start(duration: Duration) -> Timer {
        // Rounded up: a timer must not fire before the duration has passed.
        let millis = duration.as_nanos().saturating_add(999_999) / 1_000_000;
        // Safety: no pointers.
        let handle = unsafe { abi::timer_start(i64::try_from(millis).unwrap_or(i64::MAX)) };
        // wit `timer-start` cannot fail, so anything else is the host breaking the contract.
        assert!(handle >= 2, "timer_start returned {}, not a handle", handle);
        let handle = handle as u32;
        // The timer has nothing to retry: its event is the only news that it is due.
        reactor::latch(handle);
        Timer {
            handle,
            fired: false,
        }
    }
}

impl Future for Timer {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if reactor::has_fired(self.handle) {
            self.fired = true;
            return Poll::Ready(());
        }
        reactor::register(self.handle, READABLE, cx.waker());
        Poll::Pending
    }
}

impl Drop for Timer {
    fn drop(&mut self) {
        reactor::forget(self.handle);
        if !self.fired {
            // Safety: no pointers.
            unsafe { abi::timer_cancel(self.handle as i32) };
        }
    }
}
