namespace Rapidbyte.Contracts;

/// <summary>What a connection is secured with (wit <c>tls-settings</c>); files are PEM files on the silo.</summary>
/// <param name="Mode">Absent: <see cref="TlsMode.VerifyFull"/>, or <see cref="TlsMode.Prefer"/> for a loopback host (<see cref="DefaultMode"/>).</param>
/// <param name="RootCert">The trusted root certificates (a PEM file), or <see cref="SystemStore"/> (also when absent).</param>
/// <param name="Cert">A client certificate (PEM file); with <paramref name="Key"/>.</param>
/// <param name="Key">The client certificate's private key (unencrypted PEM file); with <paramref name="Cert"/>.</param>
public sealed record TlsSettings(TlsMode? Mode = null, string? RootCert = null, string? Cert = null, string? Key = null)
{
    /// <summary>The <see cref="RootCert"/> value that names the host's own certificate store.</summary>
    public const string SystemStore = "system";

    /// <summary>The mode when none is set: <see cref="TlsMode.VerifyFull"/>, or <see cref="TlsMode.Prefer"/> for a loopback host (<see cref="NetworkHosts.IsLoopback"/>).</summary>
    public static TlsMode DefaultMode(string host) => NetworkHosts.IsLoopback(host) ? TlsMode.Prefer : TlsMode.VerifyFull;

    /// <summary>The mode in force for a connection to <paramref name="host"/>.</summary>
    public TlsMode ModeFor(string host) => Mode ?? DefaultMode(host);

    /// <summary>Whether <see cref="RootCert"/> names a file (not absent, not <see cref="SystemStore"/>).</summary>
    public bool HasRootFile => RootCert is { Length: > 0 } root && !string.Equals(root, SystemStore, StringComparison.Ordinal);
}
