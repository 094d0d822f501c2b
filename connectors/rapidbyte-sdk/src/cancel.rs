//! Cancellation of the run. Sockets keep working after it, so a connector can cancel its
//! server-side work and roll back before it returns.

use crate::abi;
use crate::poll_fn::poll_fn;
use crate::reactor::{self, CANCELLATION, READABLE};
use std::task::Poll;

pub fn is_cancelled() -> bool {
    // Safety: no arguments.
    unsafe { abi::is_cancelled() != 0 }
}

/// Resolves once the run is cancelled.
pub async fn cancelled() {
    poll_fn(|cx| {
        if is_cancelled() {
            return Poll::Ready(());
        }
        // Cancellation is always of interest to the host; the waker only has to wait.
        reactor::register(CANCELLATION, READABLE, cx.waker());
        Poll::Pending
    })
    .await
}
