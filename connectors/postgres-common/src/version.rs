//! The oldest PostgreSQL the connectors work with.

use rapidbyte_sdk::ConnectorError;

/// The oldest major version the connectors' catalog queries run on (`pg_attribute.attgenerated`
/// came in 12); older servers are refused when connecting, naming their version.
pub const OLDEST_MAJOR: u32 = 12;

/// The major version in a `server_version` (`15.18 (Debian 15.18-0+deb12u1)`, `9.6.24`,
/// `18beta1`); `None` when it does not start with one.
pub fn major_version(server_version: &str) -> Option<u32> {
    let digits = server_version
        .find(|c: char| !c.is_ascii_digit())
        .map_or(server_version, |end| &server_version[..end]);
    digits.parse().ok()
}

/// Refuses a server older than [`OLDEST_MAJOR`]; a version it cannot read passes (a fork may
/// report its own).
pub fn check_server_version(server_version: &str) -> Result<(), ConnectorError> {
    match major_version(server_version) {
        Some(major) if major < OLDEST_MAJOR => Err(ConnectorError::config(format!(
            "the server runs PostgreSQL {}, and these connectors need PostgreSQL {} or later",
            server_version, OLDEST_MAJOR
        ))),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rapidbyte_sdk::ErrorCategory;

    #[test]
    fn the_major_version_is_the_leading_number() {
        assert_eq!(major_version("15.18 (Debian 15.18-0+deb12u1)"), Some(15));
        assert_eq!(major_version("9.6.24"), Some(9));
        assert_eq!(major_version("18beta1"), Some(18));
        assert_eq!(major_version("12"), Some(12));
        assert_eq!(major_version("unknown"), None);
    }

    #[test]
    fn servers_older_than_12_are_refused_naming_their_version() {
        let error = check_server_version("11.22").unwrap_err();
        assert_eq!(error.category, ErrorCategory::Config);
        assert_eq!(
            error.message,
            "the server runs PostgreSQL 11.22, and these connectors need PostgreSQL 12 or later"
        );
        assert!(check_server_version("9.6.24").is_err());
        assert!(check_server_version("12.0").is_ok());
        assert!(check_server_version("17.2").is_ok());
        assert!(check_server_version("odd").is_ok());
    }
}
