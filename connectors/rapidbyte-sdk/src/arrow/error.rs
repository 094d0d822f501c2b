//! The one error type of the Arrow module.

use std::fmt;

/// Why a batch could not be encoded or decoded. The message names the column, row or byte
/// position involved so the person reading a run log can tell which data was at fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArrowError {
    message: String,
}

impl ArrowError {
    pub fn new(message: impl Into<String>) -> Self {
        ArrowError {
            message: message.into(),
        }
    }

    pub fn message(&self) -> &str {
        &self.message
    }

    /// Prefixes the message with where it happened ("record batch message: ...").
    pub(crate) fn context(self, what: &str) -> Self {
        ArrowError {
            message: format!("{}: {}", what, self.message),
        }
    }
}

impl fmt::Display for ArrowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ArrowError {}
