//! `std::future::poll_fn` arrives in Rust 1.64; Debian's toolchain is 1.63.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// A future whose `poll` is the closure: the shape of every wait on a host handle (try
/// the import, register on would-block, return `Pending`).
pub fn poll_fn<T, F>(f: F) -> PollFn<F>
where
    F: FnMut(&mut Context<'_>) -> Poll<T> + Unpin,
{
    PollFn(f)
}

/// The future made by [`poll_fn`].
pub struct PollFn<F>(F);

impl<T, F> Future for PollFn<F>
where
    F: FnMut(&mut Context<'_>) -> Poll<T> + Unpin,
{
    type Output = T;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        (self.0)(cx)
    }
}
