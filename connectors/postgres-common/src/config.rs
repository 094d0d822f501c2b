//! The connection settings both PostgreSQL connectors take.

use serde::Deserialize;
use serde_json::{json, Value};
use std::fmt;

/// A PostgreSQL connection and where its tables live. Parsed from the pipeline's
/// `config` object; a connector with settings of its own embeds it with
/// `#[serde(flatten)]`.
///
/// `Debug` never shows the password; nothing in this crate logs or echoes it.
#[derive(Clone, PartialEq, Eq, Deserialize)]
pub struct PgConfig {
    pub host: String,
    /// A number, or digits in a string: a value substituted from an environment variable
    /// arrives as a string.
    #[serde(default = "default_port", deserialize_with = "port_number_or_text")]
    pub port: u16,
    pub user: String,
    /// Absent for `trust` authentication.
    #[serde(default)]
    pub password: Option<String>,
    pub database: String,
    /// The schema whose tables the streams name; `public` when absent.
    #[serde(default)]
    pub schema: Option<String>,
    /// Fail (schema error) instead of reading a type with no exact Arrow mapping as text.
    #[serde(default)]
    pub strict_types: bool,
}

fn default_port() -> u16 {
    5432
}

fn port_number_or_text<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<u16, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Port {
        Number(u16),
        Text(String),
    }
    match Port::deserialize(deserializer)? {
        Port::Number(port) => Ok(port),
        Port::Text(text) => text
            .trim()
            .parse::<u16>()
            .ok()
            .filter(|p| *p > 0)
            .ok_or_else(|| {
                serde::de::Error::custom(format!("port: '{}' is not a port number (1-65535)", text))
            }),
    }
}

impl PgConfig {
    /// The configured schema, or `public`.
    pub fn schema(&self) -> &str {
        match self.schema.as_deref() {
            Some(schema) if !schema.is_empty() => schema,
            _ => "public",
        }
    }
}

impl fmt::Debug for PgConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PgConfig")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("user", &self.user)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("database", &self.database)
            .field("schema", &self.schema())
            .field("strict_types", &self.strict_types)
            .finish()
    }
}

/// JSON Schema (draft-07) of [`PgConfig`]. A connector with settings of its own adds them
/// to `properties` (and `required`) of this object.
pub fn config_schema() -> Value {
    json!({
        "$schema": "http://json-schema.org/draft-07/schema#",
        "title": "PostgreSQL",
        "type": "object",
        "required": ["host", "user", "database"],
        "properties": {
            "host": {"type": "string", "description": "Server host name or IP address."},
            "port": {"type": "integer", "minimum": 1, "maximum": 65535, "default": 5432},
            "user": {"type": "string"},
            "password": {
                "type": "string",
                "description": "Password (SCRAM-SHA-256 or md5); omit for trust authentication.",
                "writeOnly": true,
                "secret": true
            },
            "database": {"type": "string"},
            "schema": {"type": "string", "default": "public", "description": "Schema whose tables the streams name."},
            "strict_types": {
                "type": "boolean",
                "default": false,
                "description": "Fail on a column type with no exact Arrow mapping instead of reading it as text."
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_apply() {
        let config: PgConfig = serde_json::from_value(json!({
            "host": "db", "user": "app", "database": "shop"
        }))
        .unwrap();
        assert_eq!(config.port, 5432);
        assert_eq!(config.password, None);
        assert_eq!(config.schema(), "public");
        assert!(!config.strict_types);
    }

    #[test]
    fn every_member_is_read() {
        let config: PgConfig = serde_json::from_value(json!({
            "host": "db", "port": 6543, "user": "app", "password": "s3cret", "database": "shop",
            "schema": "Sales Data", "strict_types": true
        }))
        .unwrap();
        assert_eq!(config.port, 6543);
        assert_eq!(config.password.as_deref(), Some("s3cret"));
        assert_eq!(config.schema(), "Sales Data");
        assert!(config.strict_types);
    }

    #[test]
    fn a_port_may_be_digits_in_a_string() {
        let config: PgConfig = serde_json::from_value(json!({
            "host": "db", "port": "6543", "user": "app", "database": "shop"
        }))
        .unwrap();
        assert_eq!(config.port, 6543);
        let error = serde_json::from_value::<PgConfig>(json!({
            "host": "db", "port": "pg", "user": "app", "database": "shop"
        }))
        .unwrap_err();
        assert!(
            error.to_string().contains("'pg' is not a port number"),
            "{}",
            error
        );
    }

    #[test]
    fn debug_never_shows_the_password() {
        let config: PgConfig = serde_json::from_value(json!({
            "host": "db", "user": "app", "password": "hunter2-very-secret", "database": "shop"
        }))
        .unwrap();
        let shown = format!("{:?} {:#?}", config, config);
        assert!(!shown.contains("hunter2"), "{}", shown);
        assert!(shown.contains("<redacted>"));
    }

    #[test]
    fn a_missing_member_is_named() {
        let error =
            serde_json::from_value::<PgConfig>(json!({"host": "db", "user": "app"})).unwrap_err();
        assert!(error.to_string().contains("database"), "{}", error);
    }

    #[test]
    fn the_schema_marks_the_password_secret() {
        let schema = config_schema();
        assert_eq!(schema["properties"]["password"]["writeOnly"], json!(true));
        assert_eq!(schema["properties"]["password"]["secret"], json!(true));
        assert_eq!(schema["required"], json!(["host", "user", "database"]));
    }
}
