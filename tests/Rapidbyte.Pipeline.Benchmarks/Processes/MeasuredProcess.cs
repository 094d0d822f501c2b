using System.Diagnostics;
using System.Globalization;
using Rapidbyte.Testing.Measurement;

namespace Rapidbyte.Pipeline.Benchmarks.Processes;

/// <summary>
/// Runs a program under GNU time, which reports user and system CPU time and peak RSS of the
/// program together with every descendant it waited for: the one way to charge both ends of
/// a shell pipeline to the pipeline.
/// </summary>
internal static class MeasuredProcess
{
    private const string GnuTime = "/usr/bin/time";
    private static readonly TimeSpan Timeout = TimeSpan.FromHours(1);

    /// <param name="observe">Called with the program's process id once it runs, to watch it
    /// from /proc; awaited before this returns.</param>
    /// <exception cref="BenchmarkFailure">GNU time is missing, or the program was killed.</exception>
    public static async Task<ProcessMeasurement> RunAsync(
        string program, IEnumerable<string> arguments, string workingDirectory,
        IReadOnlyDictionary<string, string> environment, CancellationToken cancellationToken, Func<int, Task>? observe = null)
    {
        if (!File.Exists(GnuTime))
        {
            throw new BenchmarkFailure($"{GnuTime} is missing: apt-get install time (scripts/setup.sh should)");
        }
        var timeReport = Path.Combine(workingDirectory, $"time-{Guid.NewGuid():N}.txt");
        var start = new ProcessStartInfo(GnuTime, ["-f", "%e %U %S %M", "-o", timeReport, program, .. arguments])
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }
        var launchedAt = DateTimeOffset.UtcNow;
        using var process = Process.Start(start) ?? throw new BenchmarkFailure($"could not start {program}");
        var started = Stopwatch.GetTimestamp();
        process.StandardInput.Close(); // nothing reads the benchmark's own stdin
        var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        var observing = observe is null ? Task.CompletedTask : ObserveAsync(process, observe);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
            cancellationToken.ThrowIfCancellationRequested();
            throw new BenchmarkFailure($"{program} ran longer than {Timeout.TotalMinutes} minutes and was killed");
        }
        var wall = Stopwatch.GetElapsedTime(started);
        await observing;
        var (user, system, peakRss) = ReadTimeReport(timeReport, program);
        File.Delete(timeReport);
        return new ProcessMeasurement(process.ExitCode, launchedAt, wall, user, system, peakRss, await stdout, await stderr);
    }

    // The program is GNU time's only child, there a moment after GNU time starts.
    private static async Task ObserveAsync(Process time, Func<int, Task> observe)
    {
        while (!time.HasExited)
        {
            if (ProcFs.Children(time.Id).FirstOrDefault() is var pid and > 0)
            {
                await observe(pid);
                return;
            }
            await Task.Delay(5);
        }
    }

    // The report's last line is the format's "%e %U %S %M" (seconds, seconds, seconds, KiB);
    // a line before it may say the command exited non-zero.
    private static (double User, double System, long PeakRss) ReadTimeReport(string path, string program)
    {
        var line = File.Exists(path) ? File.ReadLines(path).LastOrDefault(l => l.Length > 0) : null;
        var fields = line?.Split(' ');
        if (fields is not { Length: 4 })
        {
            throw new BenchmarkFailure($"GNU time reported nothing usable for {program}: '{line}'");
        }
        return (Number(fields[1]), Number(fields[2]), long.Parse(fields[3], CultureInfo.InvariantCulture) * 1024);
    }

    private static double Number(string text) => double.Parse(text, CultureInfo.InvariantCulture);
}
