//! The result codes of the host imports (wit/LOWERING.md, "Conventions") and what each
//! failure means to a connector.

use crate::error::{ConnectorError, ErrorCategory};

pub(crate) const WOULD_BLOCK: i64 = -1;
pub(crate) const NONE: i64 = -2;
pub(crate) const BAD_ARGUMENT: i64 = -3;
pub(crate) const DENIED: i64 = -4;
pub(crate) const CONNECT_FAILED: i64 = -5;
pub(crate) const IO_ERROR: i64 = -6;
pub(crate) const INVALID_DATA: i64 = -7;
pub(crate) const CANCELLED: i64 = -8;
pub(crate) const LIMIT: i64 = -9;
pub(crate) const TLS_REFUSED: i64 = -10;

/// The error for a failed import. `host_message` is what the host left in the result
/// slot; it already says what failed and where, so it is the message as is. Only when the
/// slot is empty does the SDK name the import and the code itself.
pub(crate) fn import_error(import: &str, code: i64, host_message: String) -> ConnectorError {
    let (category, name) = match code {
        BAD_ARGUMENT => (ErrorCategory::Internal, "BAD_ARGUMENT"),
        // An address outside the allow-list is the pipeline's configuration to fix.
        DENIED => (ErrorCategory::Config, "DENIED"),
        CONNECT_FAILED => (ErrorCategory::Network, "CONNECT_FAILED"),
        // A certificate that fails the check or a server without TLS: retrying changes
        // nothing, the settings (or the server's) must change.
        TLS_REFUSED => (ErrorCategory::Config, "TLS_REFUSED"),
        IO_ERROR => (ErrorCategory::Network, "IO_ERROR"),
        INVALID_DATA => (ErrorCategory::Data, "INVALID_DATA"),
        // The contract's categories have no "cancelled"; the run is ending anyway.
        CANCELLED => (ErrorCategory::Internal, "CANCELLED"),
        LIMIT => (ErrorCategory::Internal, "LIMIT"),
        WOULD_BLOCK => (
            ErrorCategory::Internal,
            "WOULD_BLOCK where the contract allows none",
        ),
        NONE => (
            ErrorCategory::Internal,
            "NONE where the contract allows none",
        ),
        _ => (
            ErrorCategory::Internal,
            "a result code outside the contract",
        ),
    };
    let message = if host_message.is_empty() {
        format!("{} failed: {} ({})", import, name, code)
    } else {
        host_message
    };
    ConnectorError::new(category, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_host_message_is_kept_as_is() {
        let message = "db.internal:5432 is not in the pipeline's network allow-list".to_string();
        let error = import_error("tcp_connect", DENIED, message.clone());
        assert_eq!(error, ConnectorError::config(message));
    }

    #[test]
    fn socket_failures_are_retryable_network_errors() {
        for code in [CONNECT_FAILED, IO_ERROR] {
            let error = import_error("tcp_write", code, "connection refused".into());
            assert_eq!(error.category, ErrorCategory::Network);
            assert!(error.retryable);
        }
    }

    #[test]
    fn without_a_host_message_the_import_and_code_are_named() {
        let error = import_error("emit_batch", INVALID_DATA, String::new());
        assert_eq!(
            error,
            ConnectorError::data("emit_batch failed: INVALID_DATA (-7)")
        );
        let error = import_error("tcp_read", -42, String::new());
        assert_eq!(
            error,
            ConnectorError::internal("tcp_read failed: a result code outside the contract (-42)")
        );
    }

    #[test]
    fn a_refused_tls_setup_is_a_final_config_error() {
        let error = import_error("tcp_read", TLS_REFUSED, "TLS to db:5432 refused".into());
        assert_eq!(error, ConnectorError::config("TLS to db:5432 refused"));
        assert!(!error.retryable);
    }

    #[test]
    fn cancellation_and_limits_are_internal_and_final() {
        for code in [CANCELLED, LIMIT, BAD_ARGUMENT] {
            let error = import_error("next_batch", code, "x".into());
            assert_eq!(error.category, ErrorCategory::Internal);
            assert!(!error.retryable);
        }
    }
}
