//! The batch channel between a source's `read` and a destination's `write`. Each batch is
//! one Arrow IPC stream (see `arrow`). Waiting on a full or empty channel costs nothing,
//! and is how backpressure reaches the source.

use crate::abi;
use crate::error::ConnectorError;
use crate::executor::yield_now;
use crate::poll_fn::poll_fn;
use crate::reactor::{self, CHANNEL, READABLE, WRITABLE};
use crate::result_code::{NONE, WOULD_BLOCK};
use std::task::Poll;

/// Hands one batch to the destination, waiting while the channel is full. Valid in `read`.
/// The batch is one Arrow IPC stream in `pieces`, which the host joins as it copies them: a
/// builder's buffers go as they are ([`crate::arrow::BatchBuilder::pieces`]), a stream in
/// one buffer is one piece.
pub async fn emit_batch(pieces: &[&[u8]]) -> Result<(), ConnectorError> {
    let table: Vec<abi::Piece> = pieces
        .iter()
        .map(|piece| abi::Piece {
            ptr: piece.as_ptr(),
            len: piece.len(),
        })
        .collect();
    poll_fn(|cx| {
        // Safety: the host only reads the table's `count` pieces, each `len` bytes at `ptr`.
        match unsafe { abi::emit_batch(table.as_ptr(), table.len()) } {
            WOULD_BLOCK => {
                reactor::register(CHANNEL, WRITABLE, cx.waker());
                Poll::Pending
            }
            code if code >= 0 => Poll::Ready(Ok(())),
            code => Poll::Ready(Err(abi::import_failure("emit_batch", code))),
        }
    })
    .await?;
    end_slice_per_batch().await;
    Ok(())
}

/// Takes the next batch from the source, waiting while the channel is empty; `None` once
/// the source has finished. Valid in `write`.
pub async fn next_batch() -> Result<Option<Vec<u8>>, ConnectorError> {
    let batch = poll_fn(|cx| {
        // Safety: no arguments.
        match unsafe { abi::next_batch() } {
            WOULD_BLOCK => {
                reactor::register(CHANNEL, READABLE, cx.waker());
                Poll::Pending
            }
            NONE => Poll::Ready(Ok(None)),
            len if len >= 0 => Poll::Ready(Ok(Some(abi::take_result_of(len as usize)))),
            code => Poll::Ready(Err(abi::import_failure("next_batch", code))),
        }
    })
    .await?;
    if batch.is_some() {
        end_slice_per_batch().await;
    }
    Ok(batch)
}

/// One batch per slice keeps slices short (milliseconds) so the host can interleave
/// many streams fairly (DESIGN.md: slices fell from ~44 ms to ~5 ms).
async fn end_slice_per_batch() {
    yield_now().await
}
