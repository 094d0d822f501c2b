using System.Diagnostics;
using Npgsql;
using Rapidbyte.Testing.Servers;

namespace Rapidbyte.Testing.Postgres;

/// <summary>
/// A real PostgreSQL server of the test's own: initdb into a temporary directory, its own
/// port on 127.0.0.1, SCRAM-SHA-256 password authentication over TCP, a Unix socket only
/// inside its directory. Stopped and deleted on dispose. As root (CI), the server runs as
/// the <c>postgres</c> OS user, because initdb refuses root. Started with
/// <see cref="StartWithTlsAsync"/>, it has <c>ssl=on</c>, a certificate of the test's own
/// authority for <c>localhost</c> only (<see cref="Certificates"/>), and accepts TCP connections
/// over TLS only (<c>hostssl</c> lines alone in pg_hba.conf); the user
/// <see cref="TestCertificates.ClientUser"/>, once created, logs in by client certificate.
/// </summary>
public sealed class PostgresServer : IAsyncDisposable
{
    private readonly string _directory;
    private readonly string _binaries;

    private readonly bool _tlsRequired;

    private PostgresServer(string directory, string binaries, int port, string password, bool tls, bool tlsRequired)
    {
        _tlsRequired = tlsRequired;
        _directory = directory;
        _binaries = binaries;
        Port = port;
        Password = password;
        Certificates = tls ? TestCertificates.Create(Path.Combine(directory, "tls"), "localhost") : null;
    }

    public const string User = "postgres";

    public int Port { get; }

    public string Password { get; }

    /// <summary>Where clients connect: <c>localhost</c> for a TLS server (the name its certificate holds), else <c>127.0.0.1</c>.</summary>
    public string Host => Certificates is null ? "127.0.0.1" : "localhost";

    /// <summary>The server's log file (its own messages: errors, cancelled statements).</summary>
    public string LogFile => Path.Combine(_directory, "server.log");

    /// <summary>The server's certificate and its authority, when it was started with TLS.</summary>
    public TestCertificates? Certificates { get; }

    /// <summary>An Npgsql connection string for <paramref name="database"/> (over verified TLS to a TLS server).</summary>
    public string ConnectionString(string database = "postgres")
    {
        var builder = new NpgsqlConnectionStringBuilder { Host = Host, Port = Port, Username = User, Password = Password, Database = database, Pooling = false };
        if (Certificates is not null)
        {
            builder.SslMode = SslMode.VerifyFull;
            builder.RootCertificate = Certificates.RootFile;
        }
        return builder.ConnectionString;
    }

    /// <summary>Initialises and starts a new server; about 2 s.</summary>
    public static Task<PostgresServer> StartAsync(CancellationToken cancellationToken = default) => StartAsync(tls: false, required: false, cancellationToken);

    /// <summary>Initialises and starts a new server with TLS (see the class summary).</summary>
    /// <param name="required">Whether TCP connections must use TLS (hostssl lines only); else plain TCP is accepted too.</param>
    public static Task<PostgresServer> StartWithTlsAsync(bool required = true, CancellationToken cancellationToken = default) =>
        StartAsync(tls: true, required, cancellationToken);

    private static async Task<PostgresServer> StartAsync(bool tls, bool required, CancellationToken cancellationToken)
    {
        var binaries = FindBinaries();
        var directory = CreateDirectory();
        var password = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(12));
        var server = new PostgresServer(directory, binaries, LoopbackPorts.Unused(), password, tls, required);
        try
        {
            await server.InitializeAndStartAsync(cancellationToken);
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>Runs SQL statements in <paramref name="database"/>.</summary>
    public async Task ExecuteAsync(string sql, string database = "postgres")
    {
        await using var connection = new NpgsqlConnection(ConnectionString(database));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private async Task InitializeAndStartAsync(CancellationToken cancellationToken)
    {
        var passwordFile = Path.Combine(_directory, "pwfile");
        await File.WriteAllTextAsync(passwordFile, Password, cancellationToken);
        if (Environment.IsPrivilegedProcess)
        {
            await RunAsync("chown", ["-R", "postgres:postgres", _directory], asPostgres: false, cancellationToken);
        }
        await RunAsync(Path.Combine(_binaries, "initdb"),
            ["-D", DataDirectory, "-U", User, "--pwfile", passwordFile, "--auth-host=scram-sha-256", "--auth-local=trust",
             "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"], asPostgres: true, cancellationToken);
        if (Certificates is not null && _tlsRequired)
        {
            // TCP only over TLS: a plain connection finds no pg_hba.conf entry.
            await File.WriteAllTextAsync(Path.Combine(DataDirectory, "pg_hba.conf"),
                $"local all all trust\nhostssl all {TestCertificates.ClientUser} 127.0.0.1/32 cert\nhostssl all {TestCertificates.ClientUser} ::1/128 cert\n" +
                "hostssl all all 127.0.0.1/32 scram-sha-256\nhostssl all all ::1/128 scram-sha-256\n", cancellationToken);
        }
        await StartServerAsync(cancellationToken);
    }

    /// <summary>Stops the server (fast shutdown: sessions are ended), keeping its data: an outage a test can end with <see cref="RestartAsync"/>.</summary>
    public Task StopAsync() =>
        RunAsync(Path.Combine(_binaries, "pg_ctl"), ["-D", DataDirectory, "-m", "fast", "-w", "stop"], asPostgres: true, CancellationToken.None);

    /// <summary>Starts the server again after <see cref="StopAsync"/>, on the same port with the same data.</summary>
    public Task RestartAsync() => StartServerAsync(CancellationToken.None);

    private Task StartServerAsync(CancellationToken cancellationToken)
    {
        var settings = $"-p {Port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={_directory} " +
                       "-c password_encryption=scram-sha-256 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200";
        if (Certificates is not null)
        {
            settings += $" -c ssl=on -c ssl_cert_file={Certificates.ServerCertFile} -c ssl_key_file={Certificates.ServerKeyFile} -c ssl_ca_file={Certificates.RootFile}";
        }
        return RunAsync(Path.Combine(_binaries, "pg_ctl"),
            ["-D", DataDirectory, "-l", LogFile, "-w", "-t", "60", "-o", settings, "start"], asPostgres: true, cancellationToken);
    }

    private string DataDirectory => Path.Combine(_directory, "data");

    // As root the server runs as the postgres user, who must be able to enter every directory
    // above its data: a TMPDIR under /root (mode 700) or a mktemp -d directory is not such a
    // place, so the server's directory then goes to /tmp, which everyone may enter.
    private static string CreateDirectory()
    {
        var parent = Path.GetTempPath();
        if (Environment.IsPrivilegedProcess && !EveryoneMayEnter(parent))
        {
            parent = "/tmp";
        }
        var directory = Path.Combine(parent, "rapidbyte-pg-" + Path.GetRandomFileName());
        return Directory.CreateDirectory(directory).FullName;
    }

    private static bool EveryoneMayEnter(string path)
    {
        for (var directory = new DirectoryInfo(path); directory is not null; directory = directory.Parent)
        {
            if (!directory.UnixFileMode.HasFlag(UnixFileMode.OtherExecute))
            {
                return false;
            }
        }
        return true;
    }

    public async ValueTask DisposeAsync()
    {
        if (File.Exists(Path.Combine(DataDirectory, "postmaster.pid")))
        {
            await RunAsync(Path.Combine(_binaries, "pg_ctl"), ["-D", DataDirectory, "-m", "immediate", "-w", "stop"], asPostgres: true, CancellationToken.None);
        }
        Directory.Delete(_directory, recursive: true);
    }

    private static async Task RunAsync(string program, string[] arguments, bool asPostgres, CancellationToken cancellationToken)
    {
        var start = asPostgres && Environment.IsPrivilegedProcess
            ? new ProcessStartInfo("runuser", ["-u", "postgres", "--", program, .. arguments])
            : new ProcessStartInfo(program, arguments);
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {program}");
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"{Path.GetFileName(program)} {string.Join(' ', arguments)} exited with {process.ExitCode}:\n{await output}\n{await error}");
        }
    }

    private static string FindBinaries()
    {
        var installed = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin")).Where(d => File.Exists(Path.Combine(d, "initdb")))
            : [];
        return installed.OrderByDescending(d => d, StringComparer.Ordinal).FirstOrDefault()
            ?? throw new InvalidOperationException("PostgreSQL server binaries not found under /usr/lib/postgresql: run scripts/setup.sh");
    }

}
