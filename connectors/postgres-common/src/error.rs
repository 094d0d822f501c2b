//! tokio-postgres errors as connector errors: the category decides whether the host
//! retries, and the message is the server's own (with its SQLSTATE).

use rapidbyte_sdk::ConnectorError;
use std::error::Error as _;
use std::io;

/// The connector error for a failed PostgreSQL operation.
///
/// - a server error: by SQLSTATE (see [`classify_sqlstate`]), with the server's message,
///   detail and hint;
/// - a socket error: the host's error it carries, unchanged (a denied address stays a
///   config error), else a retryable network error;
/// - the connection closing: a retryable network error;
/// - the client refusing to authenticate (say, the server asks for a password and none is
///   configured): an auth error.
pub fn classify(error: &tokio_postgres::Error) -> ConnectorError {
    if let Some(db) = error.as_db_error() {
        let mut message = db.message().to_string();
        if let Some(detail) = db.detail() {
            message.push_str("; ");
            message.push_str(detail);
        }
        if let Some(hint) = db.hint() {
            message.push_str("; hint: ");
            message.push_str(hint);
        }
        return classify_sqlstate(db.code().code(), message);
    }
    if let Some(io) = error.source().and_then(|s| s.downcast_ref::<io::Error>()) {
        return ConnectorError::from(io);
    }
    if error.is_closed() {
        return ConnectorError::network("the PostgreSQL server closed the connection");
    }
    let text = error.to_string();
    if text.starts_with("authentication error") {
        ConnectorError::auth(text)
    } else if text.starts_with("invalid configuration") {
        ConnectorError::config(text)
    } else {
        ConnectorError::internal(format!("PostgreSQL client error: {}", text))
    }
}

/// The connector error for server error `code` (SQLSTATE) with `message`:
///
/// | SQLSTATE | category | retryable |
/// |---|---|---|
/// | 28P01, 28000 (credentials refused) | auth | no |
/// | 3D000 (no such database), 3F000 (no such schema), 42P01 (no such table), 42703 (no such column), 42501 (permission denied) | config | no |
/// | 08xxx (connection), 57P01–57P03 (shutdown, starting up), 53300 (too many connections) | network | yes |
/// | 40001 (serialization), 40P01 (deadlock) | data | yes |
/// | 53xxx otherwise (out of memory, disk full), 55P03 (lock not available) | internal | yes |
/// | 57014 (query cancelled) | internal | no |
/// | 42xxx otherwise (our SQL is wrong), XXxxx | internal | no |
/// | anything else (22xxx data exceptions, 23xxx constraints, ...) | data | no |
pub fn classify_sqlstate(code: &str, message: impl Into<String>) -> ConnectorError {
    let message = format!("{} (SQLSTATE {})", message.into(), code);
    match code {
        "28P01" | "28000" => ConnectorError::auth(message),
        "3D000" | "3F000" | "42P01" | "42703" | "42501" => ConnectorError::config(message),
        "57P01" | "57P02" | "57P03" | "53300" => ConnectorError::network(message),
        "40001" | "40P01" => ConnectorError::data(message).retryable(true),
        "55P03" => ConnectorError::internal(message).retryable(true),
        "57014" => ConnectorError::internal(message),
        _ if code.starts_with("08") => ConnectorError::network(message),
        _ if code.starts_with("53") => ConnectorError::internal(message).retryable(true),
        _ if code.starts_with("42") || code.starts_with("XX") => ConnectorError::internal(message),
        _ => ConnectorError::data(message),
    }
}

/// The SQLSTATE of a server error that [`classify_sqlstate`] made `error` of (its message
/// ends with it), for a caller that can recover from one code: a type another session
/// created first, say.
pub fn sqlstate_of(error: &ConnectorError) -> Option<&str> {
    let (_, code) = error
        .message
        .strip_suffix(')')?
        .rsplit_once(" (SQLSTATE ")?;
    (code.len() == 5 && code.bytes().all(|b| b.is_ascii_alphanumeric())).then_some(code)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rapidbyte_sdk::ErrorCategory::*;

    fn check(code: &str, category: rapidbyte_sdk::ErrorCategory, retryable: bool) {
        let error = classify_sqlstate(code, "server says");
        assert_eq!(
            (error.category, error.retryable),
            (category, retryable),
            "{}",
            code
        );
        assert_eq!(error.message, format!("server says (SQLSTATE {})", code));
        assert_eq!(sqlstate_of(&error), Some(code));
    }

    #[test]
    fn a_message_without_a_sqlstate_has_none() {
        assert_eq!(
            sqlstate_of(&ConnectorError::internal("the run was cancelled")),
            None
        );
        assert_eq!(
            sqlstate_of(&ConnectorError::internal("odd (SQLSTATE 1)")),
            None
        );
    }

    #[test]
    fn refused_credentials_are_auth_errors() {
        check("28P01", Auth, false);
        check("28000", Auth, false);
    }

    #[test]
    fn missing_objects_are_config_errors() {
        check("3D000", Config, false);
        check("3F000", Config, false);
        check("42P01", Config, false);
        check("42703", Config, false);
        check("42501", Config, false);
    }

    #[test]
    fn transient_failures_are_retryable() {
        check("08006", Network, true);
        check("08001", Network, true);
        check("57P01", Network, true);
        check("57P03", Network, true);
        check("53300", Network, true);
        check("40001", Data, true);
        check("40P01", Data, true);
        check("53100", Internal, true);
        check("55P03", Internal, true);
    }

    #[test]
    fn the_rest_is_data_or_internal() {
        check("22003", Data, false);
        check("23505", Data, false);
        check("42601", Internal, false);
        check("XX000", Internal, false);
        check("57014", Internal, false);
    }
}
