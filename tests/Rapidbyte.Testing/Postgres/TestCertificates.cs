using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Rapidbyte.Testing.Postgres;

/// <summary>
/// A test's own certificate authority and a server certificate it issued, written as PEM files
/// into a directory: what a TLS server and its clients are configured with. Also a second,
/// unrelated authority (<see cref="OtherRootFile"/>), to see a certificate rejected, and a
/// client certificate for the user <see cref="ClientUser"/>.
/// </summary>
public sealed class TestCertificates
{
    private TestCertificates(string directory)
    {
        RootFile = Path.Combine(directory, "root.crt");
        OtherRootFile = Path.Combine(directory, "other-root.crt");
        ServerCertFile = Path.Combine(directory, "server.crt");
        ServerKeyFile = Path.Combine(directory, "server.key");
        ClientCertFile = Path.Combine(directory, "client.crt");
        ClientKeyFile = Path.Combine(directory, "client.key");
    }

    /// <summary>The user the client certificate is for (its CN).</summary>
    public const string ClientUser = "certuser";

    /// <summary>A client certificate for <see cref="ClientUser"/>, issued by the same authority (PEM).</summary>
    public string ClientCertFile { get; }

    /// <summary>The client certificate's private key (PEM, unencrypted).</summary>
    public string ClientKeyFile { get; }

    /// <summary>The authority's certificate: what clients trust (<c>sslrootcert</c>, <c>Root Certificate</c>).</summary>
    public string RootFile { get; }

    /// <summary>Another authority's certificate, which did not issue the server's.</summary>
    public string OtherRootFile { get; }

    /// <summary>The server's certificate (PEM).</summary>
    public string ServerCertFile { get; }

    /// <summary>The server's private key (PEM, unencrypted, mode 0600 as PostgreSQL requires).</summary>
    public string ServerKeyFile { get; }

    /// <summary>Issues a server certificate for the DNS names <paramref name="serverNames"/> only and writes every file into <paramref name="directory"/>.</summary>
    public static TestCertificates Create(string directory, params string[] serverNames)
    {
        Directory.CreateDirectory(directory);
        var files = new TestCertificates(directory);
        using var root = CreateAuthority("Rapidbyte Test Root");
        using var other = CreateAuthority("Rapidbyte Unrelated Root");
        using var serverKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var clientKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var clientRequest = new CertificateRequest($"CN={ClientUser}", clientKey, HashAlgorithmName.SHA256);
        clientRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        clientRequest.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.2")], false));
        var request = new CertificateRequest($"CN={serverNames[0]}", serverKey, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        foreach (var name in serverNames)
        {
            names.AddDnsName(name);
        }
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        var now = DateTimeOffset.UtcNow;
        using var server = request.Create(root, now.AddMinutes(-5), now.AddDays(2), RandomNumberGenerator.GetBytes(16));
        using var client = clientRequest.Create(root, now.AddMinutes(-5), now.AddDays(2), RandomNumberGenerator.GetBytes(16));

        File.WriteAllText(files.RootFile, root.ExportCertificatePem());
        File.WriteAllText(files.OtherRootFile, other.ExportCertificatePem());
        File.WriteAllText(files.ServerCertFile, server.ExportCertificatePem());
        File.WriteAllText(files.ServerKeyFile, serverKey.ExportPkcs8PrivateKeyPem());
        File.WriteAllText(files.ClientCertFile, client.ExportCertificatePem());
        File.WriteAllText(files.ClientKeyFile, clientKey.ExportPkcs8PrivateKeyPem());
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(files.ServerKeyFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        return files;
    }

    private static X509Certificate2 CreateAuthority(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        // A day longer than the certificates it issues (two days from their own "now", taken
        // later): an issued certificate may not outlive its issuer, and with equal terms a
        // second ticking over between the two readings of the clock made it do so (CI failure).
        var now = DateTimeOffset.UtcNow;
        return request.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(3));
    }
}
