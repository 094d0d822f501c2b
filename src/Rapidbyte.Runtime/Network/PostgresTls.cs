using System.Buffers.Binary;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Rapidbyte.Contracts;

namespace Rapidbyte.Runtime.Network;

/// <summary>
/// TLS started the way PostgreSQL starts it, on a guest's behalf: SSLRequest, the server's
/// one-byte answer, then the handshake with the checks the mode asks for (libpq's
/// <c>sslmode</c> semantics). The guest then speaks the protocol from the startup message on.
/// </summary>
internal static class PostgresTls
{
    // int32 length 8, int32 80877103: the SSLRequest message.
    private static readonly byte[] SslRequest = CreateSslRequest();

    /// <summary>
    /// Negotiates TLS on a connected <paramref name="socket"/>: the established channel, or
    /// null when the connection stays plain (<see cref="TlsMode.Prefer"/> and a server without TLS).
    /// </summary>
    /// <exception cref="TlsRefusedException">The settings cannot be met (the message names the server and the reason).</exception>
    public static async Task<TlsChannel?> NegotiateAsync(Socket socket, string host, string endpoint, TlsSettings settings, CancellationToken cancellationToken)
    {
        var mode = settings.ModeFor(host);
        await socket.SendAsync(SslRequest, SocketFlags.None, cancellationToken).ConfigureAwait(false);
        var answer = new byte[1];
        if (await socket.ReceiveAsync(answer, SocketFlags.None, cancellationToken).ConfigureAwait(false) == 0)
        {
            throw new IOException($"{endpoint} closed the connection instead of answering the SSLRequest");
        }
        switch (answer[0])
        {
            case (byte)'S':
                break;
            case (byte)'N' when mode == TlsMode.Prefer:
                return null;
            case (byte)'N':
                throw new TlsRefusedException(
                    $"TLS to {endpoint} refused: the server does not accept TLS (it answered 'N' to the SSLRequest), and sslmode {Name(mode)} requires it; enable ssl on the server or set sslmode");
            default:
                throw new IOException($"{endpoint} answered the SSLRequest with byte 0x{answer[0]:x2}, neither 'S' nor 'N': is it a PostgreSQL server?");
        }

        var options = ClientOptions(host, endpoint, settings, mode, out var refusal);
        var ssl = new SslStream(new NetworkStream(socket, ownsSocket: false), leaveInnerStreamOpen: false);
        try
        {
            await ssl.AuthenticateAsClientAsync(options, cancellationToken).ConfigureAwait(false);
        }
        catch (AuthenticationException e)
        {
            await ssl.DisposeAsync().ConfigureAwait(false);
            throw new TlsRefusedException(refusal.Reason is { } reason
                ? $"TLS to {endpoint} refused (sslmode {Name(mode)}): {reason}"
                : $"TLS handshake with {endpoint} failed: {e.InnerException?.Message ?? e.Message}");
        }
        catch
        {
            await ssl.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        return new TlsChannel(ssl, socket, endpoint);
    }

    /// <summary>The mode as libpq spells it (<c>verify-full</c>), for messages.</summary>
    public static string Name(TlsMode mode) => JsonNamingPolicy.KebabCaseLower.ConvertName(mode.ToString());

    private static SslClientAuthenticationOptions ClientOptions(string host, string endpoint, TlsSettings settings, TlsMode mode, out Refusal refusal)
    {
        var options = new SslClientAuthenticationOptions
        {
            TargetHost = host,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
        };
        var roots = "the system's certificate store";
        if (settings.HasRootFile)
        {
            var store = new X509Certificate2Collection();
            Load("sslrootcert", settings.RootCert!, endpoint, () => store.ImportFromPemFile(settings.RootCert!));
            if (store.Count == 0)
            {
                throw new TlsRefusedException($"TLS to {endpoint}: sslrootcert '{settings.RootCert}' holds no PEM certificate");
            }
            options.CertificateChainPolicy = new X509ChainPolicy
            {
                TrustMode = X509ChainTrustMode.CustomRootTrust,
                RevocationMode = X509RevocationMode.NoCheck,
            };
            options.CertificateChainPolicy.CustomTrustStore.AddRange(store);
            roots = $"the root certificates in {settings.RootCert}";
        }
        if (settings.Cert is not null || settings.Key is not null)
        {
            if (settings.Cert is null || settings.Key is null)
            {
                throw new TlsRefusedException($"TLS to {endpoint}: a client certificate needs both sslcert and sslkey");
            }
            X509Certificate2? client = null;
            Load("sslcert/sslkey", $"{settings.Cert}, {settings.Key}", endpoint, () => client = X509Certificate2.CreateFromPemFile(settings.Cert, settings.Key));
            options.ClientCertificates = [client!];
        }

        // require checks nothing unless a root file is named (then as verify-ca, as libpq does);
        // prefer checks nothing.
        var checkChain = mode is TlsMode.VerifyCa or TlsMode.VerifyFull || (mode == TlsMode.Require && settings.HasRootFile);
        var checkName = mode == TlsMode.VerifyFull;
        var state = new Refusal();
        refusal = state;
        options.RemoteCertificateValidationCallback = (_, certificate, chain, errors) =>
        {
            state.Reason = Check(host, roots, checkChain, checkName, certificate, chain, errors);
            return state.Reason is null;
        };
        return options;
    }

    private static string? Check(string host, string roots, bool checkChain, bool checkName, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (!checkChain)
        {
            return null;
        }
        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable) || certificate is null)
        {
            return "the server sent no certificate";
        }
        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateChainErrors))
        {
            var statuses = chain?.ChainStatus.Select(s => $"{s.Status}: {s.StatusInformation.Trim()}") ?? [];
            return $"the server's certificate ({certificate.Subject}) is not trusted by {roots} ({string.Join("; ", statuses)})";
        }
        if (checkName && errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch))
        {
            return $"the server's certificate ({certificate.Subject}) does not match the host name '{host}' (name mismatch); connect by a name the certificate holds, or use sslmode verify-ca";
        }
        return null;
    }

    private static void Load(string setting, string path, string endpoint, Action load)
    {
        try
        {
            load();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
        {
            throw new TlsRefusedException($"TLS to {endpoint}: {setting} '{path}' could not be read: {e.Message}");
        }
    }

    private static byte[] CreateSslRequest()
    {
        var message = new byte[8];
        BinaryPrimitives.WriteInt32BigEndian(message, 8);
        BinaryPrimitives.WriteInt32BigEndian(message.AsSpan(4), 80877103);
        return message;
    }

    // What the validation callback decided, read after a failed handshake.
    private sealed class Refusal
    {
        public string? Reason { get; set; }
    }
}
