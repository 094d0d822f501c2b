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
