namespace Rapidbyte.Contracts;

/// <summary>
/// How a connection is secured (wit <c>tls-mode</c>), as libpq's <c>sslmode</c> says, so
/// a PostgreSQL user finds the modes they know.
/// </summary>
public enum TlsMode
{
    /// <summary>Plain TCP; no SSLRequest is sent.</summary>
    Disable,
    /// <summary>TLS when the server offers it (no certificate check), plain TCP when it does not.</summary>
    Prefer,
    /// <summary>TLS, the server's certificate unchecked (checked as <see cref="VerifyCa"/> when a root certificate file is named).</summary>
    Require,
    /// <summary>TLS, the certificate's chain checked against the root certificates; its name is not checked.</summary>
    VerifyCa,
    /// <summary>TLS, the certificate's chain and its name (against the host connected to) checked.</summary>
    VerifyFull,
}
