namespace Rapidbyte.Runtime.Network;

/// <summary>
/// TLS could not be set up as the connection's settings require (untrusted certificate, name
/// mismatch, a server without TLS, an unreadable certificate file): the configuration to fix,
/// so it is reported as <c>TLS_REFUSED</c> (a config error, not retried).
/// </summary>
internal sealed class TlsRefusedException(string message) : Exception(message);
