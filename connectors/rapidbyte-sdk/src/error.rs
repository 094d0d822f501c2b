//! The one error type connectors report (wit `connector-error`).

use serde::Serialize;
use std::fmt;
use std::io;

/// What kind of failure this is. The host decides from it (and `retryable`) whether to
/// retry with backoff or fail the stream at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCategory {
    /// The pipeline's configuration is wrong: a bad option, a host outside the allow-list.
    Config,
    /// The server refused the credentials.
    Auth,
    /// The server could not be reached or the connection broke.
    Network,
    /// A value could not be read, converted or written.
    Data,
    /// Source and destination schemas are incompatible.
    Schema,
    /// A bug or fault in the connector or the host, including cancellation.
    Internal,
}

/// A failure with a message a person can act on. Serializes to the JSON shape of
/// wit/LOWERING.md: `{"category": "auth", "message": "...", "retryable": false}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConnectorError {
    pub category: ErrorCategory,
    pub message: String,
    pub retryable: bool,
}

impl ConnectorError {
    /// Only network failures are retryable by default: the others fail the same way again.
    pub fn new(category: ErrorCategory, message: impl Into<String>) -> Self {
        ConnectorError {
            category,
            message: message.into(),
            retryable: category == ErrorCategory::Network,
        }
    }

    pub fn config(message: impl Into<String>) -> Self {
        Self::new(ErrorCategory::Config, message)
    }

    pub fn auth(message: impl Into<String>) -> Self {
        Self::new(ErrorCategory::Auth, message)
    }

    pub fn network(message: impl Into<String>) -> Self {
        Self::new(ErrorCategory::Network, message)
    }

    pub fn data(message: impl Into<String>) -> Self {
        Self::new(ErrorCategory::Data, message)
    }

    pub fn schema(message: impl Into<String>) -> Self {
        Self::new(ErrorCategory::Schema, message)
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(ErrorCategory::Internal, message)
    }

    /// Overrides the category's default, e.g. a data error known to be transient.
    pub fn retryable(mut self, retryable: bool) -> Self {
        self.retryable = retryable;
        self
    }
}

impl fmt::Display for ConnectorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ConnectorError {}

/// Socket errors from the SDK's `TcpStream` carry the host's `ConnectorError` inside the
/// `io::Error` (tokio's traits speak `io::Error`); it comes back out unchanged, so a
/// denied connect stays a config error after passing through tokio-postgres. Any other
/// I/O failure is a network failure. (By reference too, for an `io::Error` found as the
/// `source()` of a library's error.)
impl From<&io::Error> for ConnectorError {
    fn from(error: &io::Error) -> Self {
        match error
            .get_ref()
            .and_then(|inner| inner.downcast_ref::<ConnectorError>())
        {
            Some(inner) => inner.clone(),
            None => ConnectorError::network(error.to_string()),
        }
    }
}

impl From<io::Error> for ConnectorError {
    fn from(error: io::Error) -> Self {
        ConnectorError::from(&error)
    }
}

/// JSON a connector parses is its configuration (or something the host passed on from
/// it), so a parse error is a configuration error.
impl From<serde_json::Error> for ConnectorError {
    fn from(error: serde_json::Error) -> Self {
        ConnectorError::config(error.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn serializes_to_the_lowering_json_shape() {
        let error = ConnectorError::auth("password authentication failed for user \"app\"");
        assert_eq!(
            serde_json::to_value(&error).unwrap(),
            json!({"category": "auth", "message": "password authentication failed for user \"app\"", "retryable": false})
        );
    }

    #[test]
    fn every_category_is_a_snake_case_string() {
        let categories = [
            (ErrorCategory::Config, "config"),
            (ErrorCategory::Auth, "auth"),
            (ErrorCategory::Network, "network"),
            (ErrorCategory::Data, "data"),
            (ErrorCategory::Schema, "schema"),
            (ErrorCategory::Internal, "internal"),
        ];
        for (category, name) in categories {
            assert_eq!(serde_json::to_value(category).unwrap(), json!(name));
        }
    }

    #[test]
    fn only_network_errors_are_retryable_by_default() {
        assert!(ConnectorError::network("reset").retryable);
        assert!(!ConnectorError::config("bad").retryable);
        assert!(!ConnectorError::data("bad").retryable);
        assert!(ConnectorError::data("deadlock").retryable(true).retryable);
        assert!(
            !ConnectorError::network("gone for good")
                .retryable(false)
                .retryable
        );
    }

    #[test]
    fn a_connector_error_inside_an_io_error_comes_back_unchanged() {
        let denied = ConnectorError::config("db:5432 is not in the pipeline's network allow-list");
        let io = io::Error::new(io::ErrorKind::PermissionDenied, denied.clone());
        assert_eq!(ConnectorError::from(io), denied);
    }

    #[test]
    fn a_plain_io_error_is_a_retryable_network_error() {
        let error = ConnectorError::from(io::Error::new(
            io::ErrorKind::ConnectionReset,
            "connection reset",
        ));
        assert_eq!(error.category, ErrorCategory::Network);
        assert!(error.retryable);
        assert_eq!(error.message, "connection reset");
    }

    #[test]
    fn a_json_error_is_a_config_error_naming_the_problem() {
        let error: ConnectorError = serde_json::from_str::<u16>("\"five\"").unwrap_err().into();
        assert_eq!(error.category, ErrorCategory::Config);
        assert!(error.message.contains("expected u16"), "{}", error.message);
    }
}
