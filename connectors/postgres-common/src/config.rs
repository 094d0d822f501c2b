//! The connection settings both PostgreSQL connectors take.

use rapidbyte_sdk::{ConnectorError, TlsMode, TlsSettings};
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
    /// TLS as libpq's `sslmode`; absent: `verify-full`, or `prefer` for a loopback host
    /// (decided by the host, which negotiates TLS for the connector).
    #[serde(default, deserialize_with = "ssl_mode")]
    pub sslmode: Option<TlsMode>,
    /// The trusted root certificates: a PEM file on the silo, or `system` (also when absent).
    #[serde(default)]
    pub sslrootcert: Option<String>,
    /// A client certificate (PEM file on the silo); with `sslkey`.
    #[serde(default)]
    pub sslcert: Option<String>,
    /// The client certificate's private key (unencrypted PEM file on the silo); with `sslcert`.
    #[serde(default)]
    pub sslkey: Option<String>,
}

fn ssl_mode<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Option<TlsMode>, D::Error> {
    Option::<TlsMode>::deserialize(deserializer)
        .map_err(|e| serde::de::Error::custom(format!("sslmode: {}", e)))
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
    /// What the host secures this connection with (every connection to the server: the
    /// session's and a CancelRequest's). A config error when only one of `sslcert` and
    /// `sslkey` is set.
    pub fn tls(&self) -> Result<TlsSettings, ConnectorError> {
        if self.sslcert.is_some() != self.sslkey.is_some() {
            return Err(ConnectorError::config(
                "sslcert and sslkey go together: set both (a client certificate and its key) or neither",
            ));
        }
        Ok(TlsSettings {
            mode: self.sslmode,
            root_cert: self.sslrootcert.clone(),
            cert: self.sslcert.clone(),
            key: self.sslkey.clone(),
        })
    }

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
            .field("sslmode", &self.sslmode)
            .field("sslrootcert", &self.sslrootcert)
            .field("sslcert", &self.sslcert)
            .field("sslkey", &self.sslkey)
            .finish()
    }
}

/// JSON Schema (draft-07) of [`PgConfig`]: exactly the keys it reads
/// (`additionalProperties: false`), so the host refuses a misspelt or unsupported key before
/// anything runs. A connector with settings of its own adds them to `properties` (and
/// `required`) of this object; `the_schema_lists_exactly_the_struct_keys` keeps the two in step.
pub fn config_schema() -> Value {
    json!({
        "$schema": "http://json-schema.org/draft-07/schema#",
        "title": "PostgreSQL",
        "type": "object",
        "required": ["host", "user", "database"],
        "additionalProperties": false,
        "properties": {
            "host": {"type": "string", "description": "Server host name or IP address."},
            "port": {
                "type": ["integer", "string"],
                "minimum": 1,
                "maximum": 65535,
                "pattern": "^\\s*[0-9]{1,5}\\s*$",
                "default": 5432,
                "description": "the server's port: a number from 1 to 65535, or its digits in a string (a value from ${NAME} is a string)"
            },
            "user": {"type": "string"},
            "password": {
                "type": ["string", "null"],
                "description": "Password (SCRAM-SHA-256 or md5); omit for trust authentication.",
                "writeOnly": true,
                "secret": true
            },
            "database": {"type": "string"},
            "schema": {"type": ["string", "null"], "default": "public", "description": "Schema whose tables the streams name."},
            "strict_types": {
                "type": "boolean",
                "default": false,
                "description": "Fail on a column type with no exact Arrow mapping instead of reading it as text."
            },
            "sslmode": {
                "type": "string",
                "enum": ["disable", "prefer", "require", "verify-ca", "verify-full"],
                "description": "TLS as libpq's sslmode. Absent: verify-full, or prefer for a loopback host (localhost, 127.0.0.0/8, ::1)."
            },
            "sslrootcert": {
                "type": "string",
                "description": "Trusted root certificates: a PEM file on the silo, or 'system' for the system's store (also when absent)."
            },
            "sslcert": {"type": "string", "description": "Client certificate (PEM file on the silo); with sslkey."},
            "sslkey": {"type": "string", "description": "The client certificate's private key (unencrypted PEM file on the silo); with sslcert."}
        }
    })
}

/// The keys a serde struct reads, as its derived `Deserialize` names them: for a test that
/// a config schema lists exactly a config struct's keys. (A struct with `#[serde(flatten)]`
/// names only its own; add the flattened struct's.)
pub fn struct_keys<'de, T: Deserialize<'de>>() -> Vec<&'static str> {
    use serde::de::{self, Visitor};

    struct Keys(Vec<&'static str>);

    #[derive(Debug)]
    struct Recorded;

    impl fmt::Display for Recorded {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("recorded")
        }
    }

    impl std::error::Error for Recorded {}

    impl de::Error for Recorded {
        fn custom<M: fmt::Display>(_: M) -> Self {
            Recorded
        }
    }

    impl<'de, 'a> de::Deserializer<'de> for &'a mut Keys {
        type Error = Recorded;

        fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Recorded> {
            Err(Recorded)
        }

        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _: &'static str,
            fields: &'static [&'static str],
            _: V,
        ) -> Result<V::Value, Recorded> {
            self.0.extend_from_slice(fields);
            Err(Recorded)
        }

        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
            option unit unit_struct newtype_struct seq tuple tuple_struct map enum identifier
            ignored_any
        }
    }

    let mut keys = Keys(Vec::new());
    let _ = T::deserialize(&mut keys);
    keys.0
}

/// The `properties` of a config schema, sorted: what a test compares with [`struct_keys`].
pub fn schema_keys(schema: &Value) -> Vec<String> {
    let mut keys: Vec<String> = schema["properties"]
        .as_object()
        .expect("a config schema has properties")
        .keys()
        .cloned()
        .collect();
    keys.sort();
    keys
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
    fn tls_settings_follow_the_libpq_keys() {
        let config: PgConfig = serde_json::from_value(json!({
            "host": "db", "user": "app", "database": "shop", "sslmode": "verify-ca",
            "sslrootcert": "/etc/ca.pem", "sslcert": "/etc/client.pem", "sslkey": "/etc/client.key"
        }))
        .unwrap();
        let tls = config.tls().unwrap();
        assert_eq!(tls.mode, Some(TlsMode::VerifyCa));
        assert_eq!(tls.root_cert.as_deref(), Some("/etc/ca.pem"));
        // The host reads the contract's spelling.
        assert_eq!(
            serde_json::to_value(&tls).unwrap(),
            json!({"mode": "verify_ca", "root_cert": "/etc/ca.pem", "cert": "/etc/client.pem", "key": "/etc/client.key"})
        );
        let defaults: PgConfig =
            serde_json::from_value(json!({"host": "db", "user": "app", "database": "shop"})).unwrap();
        assert_eq!(serde_json::to_value(defaults.tls().unwrap()).unwrap(), json!({}));
    }

    #[test]
    fn a_wrong_sslmode_or_a_lone_sslcert_is_named() {
        let error = serde_json::from_value::<PgConfig>(json!({
            "host": "db", "user": "app", "database": "shop", "sslmode": "verify_full"
        }))
        .unwrap_err();
        assert!(error.to_string().starts_with("sslmode: unknown variant"), "{}", error);
        let config: PgConfig = serde_json::from_value(json!({
            "host": "db", "user": "app", "database": "shop", "sslcert": "/etc/client.pem"
        }))
        .unwrap();
        let error = config.tls().unwrap_err();
        assert!(error.message.contains("sslcert and sslkey"), "{}", error.message);
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

    #[test]
    fn the_schema_lists_exactly_the_struct_keys() {
        let mut keys: Vec<String> = struct_keys::<PgConfig>().iter().map(|k| k.to_string()).collect();
        keys.sort();
        assert!(!keys.is_empty());
        let schema = config_schema();
        assert_eq!(schema_keys(&schema), keys);
        assert_eq!(schema["additionalProperties"], json!(false));
    }
}
