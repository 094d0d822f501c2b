//! Progress reports that let the host advance a stream's cursor safely.

use crate::abi;
use crate::error::ConnectorError;

/// A source says "everything emitted so far is covered by this cursor"; a destination
/// says "everything taken so far is committed". The JSON comes back as
/// `StreamRequest::cursor` on the stream's next run.
pub fn checkpoint(payload: &serde_json::Value) -> Result<(), ConnectorError> {
    let json = payload.to_string();
    // Safety: the host only reads `len` bytes at `ptr`.
    match unsafe { abi::checkpoint(json.as_ptr(), json.len()) } {
        code if code >= 0 => Ok(()),
        code => Err(abi::import_failure("checkpoint", code)),
    }
}

/// Destination: the source's checkpoint that covers exactly the batches taken so far (its
/// JSON, as the source wrote it), or `None` when they end between two of its checkpoints.
/// Committing it with the rows (as the stream's commit marker) lets a run resume exactly.
pub fn source_checkpoint() -> Result<Option<String>, ConnectorError> {
    // Safety: takes no arguments; the result comes through the result slot.
    match unsafe { abi::source_checkpoint() } {
        len if len >= 0 => Ok(Some(
            String::from_utf8_lossy(&abi::take_result_of(len as usize)).into_owned(),
        )),
        crate::result_code::NONE => Ok(None),
        code => Err(abi::import_failure("source_checkpoint", code)),
    }
}
