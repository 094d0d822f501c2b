//! The connector's own key-value state, kept by the host across runs of the stream.

use crate::abi;
use crate::error::ConnectorError;
use crate::result_code::NONE;

/// The value stored under `key`, or `None` if there is none.
pub fn state_get(key: &str) -> Result<Option<Vec<u8>>, ConnectorError> {
    // Safety: the host only reads `len` bytes at `ptr`.
    match unsafe { abi::state_get(key.as_ptr(), key.len()) } {
        NONE => Ok(None),
        len if len >= 0 => Ok(Some(abi::take_result_of(len as usize))),
        code => Err(abi::import_failure("state_get", code)),
    }
}

pub fn state_put(key: &str, value: &[u8]) -> Result<(), ConnectorError> {
    // Safety: as above, for both buffers.
    match unsafe { abi::state_put(key.as_ptr(), key.len(), value.as_ptr(), value.len()) } {
        code if code >= 0 => Ok(()),
        code => Err(abi::import_failure("state_put", code)),
    }
}
