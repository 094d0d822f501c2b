//! What the host secures a connection with (wit `tls-mode`, `tls-settings`).

use serde::{Deserialize, Serialize};

/// How the host secures a connection (wit `tls-mode`), as libpq's `sslmode` says. Sent to
/// the host in the contract's spelling (`verify_full`); read from a connector's config in
/// libpq's (`verify-full`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all(serialize = "snake_case", deserialize = "kebab-case"))]
pub enum TlsMode {
    /// Plain TCP.
    Disable,
    /// TLS when the server offers it (unchecked), else plain TCP.
    Prefer,
    /// TLS; the certificate unchecked unless `root_cert` names a file (then as `VerifyCa`).
    Require,
    /// TLS; the certificate's chain checked against `root_cert`.
    VerifyCa,
    /// TLS; the certificate's chain and its name (against the host) checked.
    VerifyFull,
}

/// What the host secures a connection with (wit `tls-settings`). Files are PEM files on
/// the host, which reads them; the connector never holds certificates or keys.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct TlsSettings {
    /// `None`: `VerifyFull`, or `Prefer` when the host is `localhost` or a loopback address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mode: Option<TlsMode>,
    /// Trusted root certificates (a PEM file), or `system` for the host's store (also when `None`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub root_cert: Option<String>,
    /// A client certificate (PEM file); with `key`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cert: Option<String>,
    /// The client certificate's private key (unencrypted PEM file); with `cert`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
}
