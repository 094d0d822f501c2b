using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;

namespace Rapidbyte.Testing.Servers;

/// <summary>
/// Azurite's Blob service (the Azure Storage emulator, from npm: <c>tools/azurite</c>, installed
/// by scripts/setup.sh) on a free loopback port with its data in a temporary directory. It can
/// be stopped and started again on the same port and data, as a storage account goes away and
/// comes back.
/// </summary>
public sealed class AzuriteServer : IAsyncDisposable
{
    // Azurite's well-known development account (public, documented by Microsoft; not a secret).
    private const string Account = "devstoreaccount1";
    private const string Key = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private readonly string _directory;
    private Process? _process;

    private AzuriteServer(int port, string directory)
    {
        Port = port;
        _directory = directory;
    }

    /// <summary>The Blob service's port on 127.0.0.1.</summary>
    public int Port { get; }

    /// <summary>A connection string for the development account.</summary>
    public string ConnectionString =>
        $"DefaultEndpointsProtocol=http;AccountName={Account};AccountKey={Key};BlobEndpoint=http://127.0.0.1:{Port}/{Account};";

    /// <summary>The Azurite binary the tests run.</summary>
    public static string Executable => Path.Combine(RepositoryPaths.Root, "tools", "azurite", "node_modules", ".bin", "azurite-blob");

    /// <summary>Starts a new, empty Blob service.</summary>
    /// <exception cref="FileNotFoundException">Azurite is not installed: run scripts/setup.sh.</exception>
    public static async Task<AzuriteServer> StartAsync()
    {
        if (!File.Exists(Executable))
        {
            throw new FileNotFoundException($"{Executable} is missing: run scripts/setup.sh (npm ci --prefix tools/azurite)", Executable);
        }
        var server = new AzuriteServer(LoopbackPorts.Unused(), Directory.CreateTempSubdirectory("rapidbyte-azurite-").FullName);
        await server.StartAgainAsync();
        return server;
    }

    /// <summary>Starts the service again after <see cref="StopAsync"/>, with the same data.</summary>
    public async Task StartAgainAsync()
    {
        var start = new ProcessStartInfo(Executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // --skipApiVersionCheck: the SDK may speak a newer service version than this Azurite knows.
        // --disableTelemetry: Azurite would otherwise call out to the internet.
        foreach (var argument in new[]
                 {
                     "--blobHost", "127.0.0.1", "--blobPort", Port.ToString(CultureInfo.InvariantCulture), "--location", _directory,
                     "--skipApiVersionCheck", "--disableTelemetry", "--silent", "--loose",
                 })
        {
            start.ArgumentList.Add(argument);
        }
        _process = Process.Start(start)!;
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync("127.0.0.1", Port);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline && !_process.HasExited)
            {
                await Task.Delay(100);
            }
        }
    }

    /// <summary>Stops the service (its data stays, for <see cref="StartAgainAsync"/>).</summary>
    public async Task StopAsync()
    {
        if (_process is { HasExited: false } process)
        {
            // SIGTERM: Azurite keeps its metadata in memory and saves it on the way out; a
            // SIGKILL would lose the latest writes.
            using (var term = Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)]))
            {
                await term.WaitForExitAsync();
            }
            using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try
            {
                await process.WaitForExitAsync(grace.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }
        }
        _process?.Dispose();
        _process = null;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // Left in the temp directory.
        }
    }
}
