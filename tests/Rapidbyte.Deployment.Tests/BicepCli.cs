using System.Diagnostics;
using System.Reflection;

namespace Rapidbyte.Deployment.Tests;

/// <summary>
/// The Bicep CLI restored from NuGet (Azure.Bicep.CommandLine.linux-x64); the build passes its
/// path in as assembly metadata, so the tests run exactly the version the lock file pins.
/// </summary>
public static class BicepCli
{
    public static string Path { get; } =
        typeof(BicepCli).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "BicepPath").Value
        ?? throw new InvalidOperationException("the BicepPath assembly metadata is empty");

    /// <summary>Runs <c>bicep</c> with <paramref name="arguments"/>; stdout and stderr together.</summary>
    public static (int ExitCode, string Output) Run(params string[] arguments)
    {
        if (!File.Exists(Path))
        {
            throw new FileNotFoundException($"the Bicep CLI is not at {Path}: restore tests/Rapidbyte.Deployment.Tests", Path);
        }
        var start = new ProcessStartInfo(Path) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        // Offline: no telemetry, no registry restore attempts.
        start.Environment["BICEP_TELEMETRY_ENABLED"] = "false";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill();
            throw new TimeoutException($"bicep {string.Join(' ', arguments)} ran for more than 2 minutes");
        }
        return (process.ExitCode, stdout.Result + stderr.Result);
    }
}
