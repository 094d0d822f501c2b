using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Rapidbyte.Testing.Containers;

/// <summary>
/// A Docker engine of a test run's own (Debian's <c>docker.io</c>, installed by scripts/setup.sh):
/// <c>dockerd</c> on its own socket, pid file and exec root, with no bridge and no iptables
/// rules, so containers run only with <c>--network host</c> and all traffic stays on loopback.
/// Its data root is fixed, so image layers are reused from one run to the next. An engine left
/// running by an aborted run is stopped first (one engine per data root). Needs root.
/// </summary>
public sealed class DockerEngine : IAsyncDisposable
{
    /// <summary>Where images and layers are kept between runs.</summary>
    public const string DataRoot = "/var/lib/rapidbyte-docker";

    /// <summary>The label on every container a test starts: what a later run clears away.</summary>
    public const string ContainerLabel = "rapidbyte.test";

    private const string RunDirectory = "/run/rapidbyte-docker";
    private static readonly string Socket = Path.Combine(RunDirectory, "docker.sock");
    private static readonly string PidFile = Path.Combine(RunDirectory, "docker.pid");

    private readonly Process _daemon;
    private readonly StringBuilder _log = new();

    private DockerEngine(Process daemon) => _daemon = daemon;

    /// <summary>The engine's address, as <c>DOCKER_HOST</c> takes it.</summary>
    public static string Host => "unix://" + Socket;

    /// <summary>Debian's client, matched to its engine (a newer client elsewhere on PATH may not be).</summary>
    public static string Client => File.Exists("/usr/bin/docker") ? "/usr/bin/docker" : "docker";

    /// <summary>What the engine logged (warnings and errors).</summary>
    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    /// <summary>Starts the engine and waits until it answers.</summary>
    /// <exception cref="InvalidOperationException">dockerd is missing or did not come up; carries its log.</exception>
    public static async Task<DockerEngine> StartAsync()
    {
        var dockerd = new[] { "/usr/sbin/dockerd", "/usr/bin/dockerd" }.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("dockerd is missing: run scripts/setup.sh (apt: docker.io)");
        Directory.CreateDirectory(RunDirectory);
        Directory.CreateDirectory(DataRoot);
        await StopStaleAsync();
        var start = new ProcessStartInfo(dockerd)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[]
                 {
                     "--host", Host, "--pidfile", PidFile, "--data-root", DataRoot, "--exec-root", Path.Combine(RunDirectory, "exec"),
                     "--bridge=none", "--iptables=false", "--ip6tables=false", "--ip-masq=false", "--log-level=warn",
                 })
        {
            start.ArgumentList.Add(argument);
        }
        var engine = new DockerEngine(Process.Start(start)!);
        engine._daemon.OutputDataReceived += (_, e) => engine.Append(e.Data);
        engine._daemon.ErrorDataReceived += (_, e) => engine.Append(e.Data);
        engine._daemon.BeginOutputReadLine();
        engine._daemon.BeginErrorReadLine();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while ((await engine.TryRunAsync(["version", "--format", "{{.Server.Version}}"])).ExitCode != 0)
        {
            if (engine._daemon.HasExited || DateTime.UtcNow > deadline)
            {
                await engine.DisposeAsync();
                throw new InvalidOperationException($"dockerd did not come up:\n{engine.Log}");
            }
            await Task.Delay(200);
        }
        // Containers a killed test run left behind.
        var stale = (await engine.RunAsync(["ps", "-aq", "--filter", "label=" + ContainerLabel])).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (stale.Length > 0)
        {
            await engine.RunAsync(["rm", "-f", .. stale]);
        }
        return engine;
    }

    /// <summary>Runs the client with <paramref name="arguments"/>; its standard output.</summary>
    /// <exception cref="InvalidOperationException">It failed; carries what it wrote.</exception>
    public async Task<string> RunAsync(IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null)
    {
        var list = arguments.ToList();
        var (exitCode, output, error) = await TryRunAsync(list, environment);
        return exitCode == 0
            ? output
            : throw new InvalidOperationException($"docker {string.Join(' ', list.Take(3))} ... exited with {exitCode}:\n{error}\n{output}");
    }

    /// <summary>Runs the client; its exit code and output, whatever they are.</summary>
    public async Task<(int ExitCode, string Output, string Error)> TryRunAsync(IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(Client)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        start.Environment["DOCKER_HOST"] = Host;
        start.Environment["DOCKER"] = Client;
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output, await error);
    }

    /// <summary>Runs a program (a script) with this engine as its <c>DOCKER_HOST</c>; its standard output.</summary>
    public static async Task<string> RunWithEngineAsync(string program, string workingDirectory)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        start.Environment["DOCKER_HOST"] = Host;
        start.Environment["DOCKER"] = Client;
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return process.ExitCode == 0
            ? await output
            : throw new InvalidOperationException($"{program} exited with {process.ExitCode}:\n{await error}");
    }

    /// <summary>Stops the engine (SIGTERM, as its service would be; SIGKILL after 30 s).</summary>
    public async ValueTask DisposeAsync()
    {
        if (!_daemon.HasExited)
        {
            await TerminateAsync(_daemon.Id);
            using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try
            {
                await _daemon.WaitForExitAsync(grace.Token);
            }
            catch (OperationCanceledException)
            {
                _daemon.Kill(entireProcessTree: true);
                await _daemon.WaitForExitAsync();
            }
        }
        _daemon.Dispose();
    }

    // An engine of ours from an aborted run still holds the data root: stop it, by the pid its
    // pid file names, and only if that process is a dockerd on our socket (pids are reused).
    private static async Task StopStaleAsync()
    {
        if (!File.Exists(PidFile) || !int.TryParse((await File.ReadAllTextAsync(PidFile)).Trim(), CultureInfo.InvariantCulture, out var pid))
        {
            return;
        }
        var commandLine = $"/proc/{pid}/cmdline";
        if (File.Exists(commandLine) && (await File.ReadAllTextAsync(commandLine)) is var text
            && text.Contains("dockerd", StringComparison.Ordinal) && text.Contains(Socket, StringComparison.Ordinal))
        {
            await TerminateAsync(pid);
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            while (File.Exists(commandLine) && DateTime.UtcNow < deadline)
            {
                await Task.Delay(200);
            }
            if (File.Exists(commandLine))
            {
                Process.GetProcessById(pid).Kill();
            }
        }
        // dockerd refuses to start while its pid file names a live process; a dead one's is stale.
        File.Delete(PidFile);
    }

    private static async Task TerminateAsync(int pid)
    {
        using var kill = Process.Start("kill", ["-TERM", pid.ToString(CultureInfo.InvariantCulture)])!;
        await kill.WaitForExitAsync();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_log)
        {
            _log.AppendLine(line);
        }
    }
}
