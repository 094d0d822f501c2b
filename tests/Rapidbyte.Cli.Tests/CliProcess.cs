using System.Diagnostics;
using System.Text;
using Rapidbyte.Testing;

namespace Rapidbyte.Cli.Tests;

/// <summary>The built <c>rapidbyte</c> command run as its own process, output captured.</summary>
internal sealed class CliProcess : IDisposable
{
    // One compiled-code cache for every test process: each compiles the connectors once at most.
    private static readonly string CacheHome = Directory.CreateTempSubdirectory("rapidbyte-cli-cache-").FullName;

    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();

    private CliProcess(Process process) => _process = process;

    /// <summary>The CLI built alongside these tests (same configuration).</summary>
    public static string Assembly
    {
        get
        {
            // .../tests/Rapidbyte.Cli.Tests/bin/<Configuration>/<tfm>/
            var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
            return Path.Combine(RepositoryPaths.Root, "src", "Rapidbyte.Cli", "bin", output.Parent!.Name, output.Name, "rapidbyte.dll");
        }
    }

    public string Stdout
    {
        get
        {
            lock (_stdout)
            {
                return _stdout.ToString();
            }
        }
    }

    public string Stderr
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    public int Id => _process.Id;

    public static CliProcess Start(params string[] arguments) => StartWith(null, arguments);

    /// <summary>Starts the command with more environment variables.</summary>
    public static CliProcess StartWith(IReadOnlyDictionary<string, string>? environment, params string[] arguments) =>
        Start(new ProcessStartInfo("dotnet", [Assembly]), environment, arguments);

    /// <summary>Starts the command through <paramref name="entry"/>.</summary>
    public static async Task<CliProcess> StartAsync(CliEntry entry, IReadOnlyDictionary<string, string>? environment, params string[] arguments) => entry switch
    {
        CliEntry.Launcher => Start(new ProcessStartInfo(await Launcher.Value), environment, arguments),
        CliEntry.LauncherAlone => Start(new ProcessStartInfo(await LauncherAlone.Value), environment, arguments),
        _ => StartWith(environment, arguments),
    };

    /// <summary>Runs the command through <paramref name="entry"/> to its end.</summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(CliEntry entry, IReadOnlyDictionary<string, string>? environment, params string[] arguments)
    {
        using var process = await StartAsync(entry, environment, arguments);
        var exitCode = await process.WaitAsync(TimeSpan.FromMinutes(3));
        return (exitCode, process.Stdout, process.Stderr);
    }

    // Published once for every test that starts it.
    private static readonly Lazy<Task<string>> Launcher = new(PublishLauncherAsync);

    private static readonly Lazy<Task<string>> LauncherAlone = new(async () =>
    {
        var directory = Directory.CreateTempSubdirectory("rapidbyte-launcher-alone-").FullName;
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Directory.Delete(directory, recursive: true);
        var alone = Path.Combine(directory, "rapidbyte-launcher");
        File.Copy(await Launcher.Value, alone);
        return alone;
    });

    /// <summary>
    /// The native launcher compiled ahead of time, in a directory where <c>rapidbyte</c> is the
    /// command built alongside these tests: as the tool installs the two side by side.
    /// </summary>
    private static async Task<string> PublishLauncherAsync()
    {
        var directory = Directory.CreateTempSubdirectory("rapidbyte-launcher-").FullName;
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Directory.Delete(directory, recursive: true);
        var configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;
        var start = new ProcessStartInfo("dotnet", ["publish", Path.Combine(RepositoryPaths.Root, "src", "Rapidbyte.Cli.Launcher"), "-c", configuration, "-o", directory, "-nologo", "-v", "quiet"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var publish = Process.Start(start)!;
        var output = publish.StandardOutput.ReadToEndAsync();
        var errors = publish.StandardError.ReadToEndAsync();
        await publish.WaitForExitAsync();
        if (publish.ExitCode != 0)
        {
            throw new InvalidOperationException($"publishing the launcher failed ({publish.ExitCode}): {await output}{await errors}");
        }
        File.CreateSymbolicLink(Path.Combine(directory, "rapidbyte"), Path.Combine(Path.GetDirectoryName(Assembly)!, "rapidbyte"));
        return Path.Combine(directory, "rapidbyte-launcher");
    }

    private static CliProcess Start(ProcessStartInfo start, IReadOnlyDictionary<string, string>? environment, string[] arguments)
    {
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.UseShellExecute = false;
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        start.Environment["XDG_CACHE_HOME"] = CacheHome;
        start.Environment["RAPIDBYTE_CONNECTORS_DIR"] = null;
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }
        var process = new CliProcess(Process.Start(start)!);
        process._process.OutputDataReceived += (_, e) => Append(process._stdout, e.Data);
        process._process.ErrorDataReceived += (_, e) => Append(process._stderr, e.Data);
        process._process.BeginOutputReadLine();
        process._process.BeginErrorReadLine();
        return process;
    }

    /// <summary>Runs the command to its end.</summary>
    public static Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(params string[] arguments) => RunWithAsync(null, arguments);

    /// <summary>Runs the command to its end with more environment variables.</summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunWithAsync(IReadOnlyDictionary<string, string>? environment, params string[] arguments)
    {
        using var process = StartWith(environment, arguments);
        var exitCode = await process.WaitAsync(TimeSpan.FromMinutes(3));
        return (exitCode, process.Stdout, process.Stderr);
    }

    public async Task<int> WaitAsync(TimeSpan timeout)
    {
        using var cancellation = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cancellation.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            throw new TimeoutException($"rapidbyte did not finish in {timeout}; stdout: {Stdout}; stderr: {Stderr}");
        }
        // The parameterless wait also drains the redirected output.
        await _process.WaitForExitAsync(CancellationToken.None);
        return _process.ExitCode;
    }

    /// <summary>SIGKILL: the process vanishes mid-run, as when its machine or terminal is lost.</summary>
    public async Task KillAsync()
    {
        _process.Kill();
        await _process.WaitForExitAsync();
    }

    /// <summary>Sends SIGINT, as Ctrl-C in a terminal does.</summary>
    public async Task InterruptAsync()
    {
        using var kill = Process.Start("kill", ["-INT", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!;
        await kill.WaitForExitAsync();
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }
        _process.Dispose();
    }

    private static void Append(StringBuilder buffer, string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (buffer)
        {
            buffer.AppendLine(line);
        }
    }
}

/// <summary>How a test starts the command.</summary>
public enum CliEntry
{
    /// <summary>The .NET command itself (<c>dotnet rapidbyte.dll</c>).</summary>
    Command,

    /// <summary>The native launcher, the installed tool's entry point: it hands runs over itself and starts the command for the rest.</summary>
    Launcher,

    /// <summary>The native launcher with no command beside it: what it does by itself.</summary>
    LauncherAlone,
}
