using System.Diagnostics;
using Rapidbyte.Pipeline.Benchmarks.Contenders;
using Rapidbyte.Pipeline.Benchmarks.Database;
using Rapidbyte.Testing;

namespace Rapidbyte.Pipeline.Benchmarks.Reporting;

/// <summary>The versions of everything measured.</summary>
/// <param name="RapidbyteCommit">The checkout's HEAD when the benchmark ran.</param>
/// <param name="RapidbyteBuiltAt">When the measured CLI was built: it may predate HEAD, or hold uncommitted changes.</param>
internal sealed record ToolVersions(string Postgres, string Psql, string? Pgloader, string? Pgcopydb, string RapidbyteCommit, DateTime RapidbyteBuiltAt, string Dotnet)
{
    public static async Task<ToolVersions> ReadAsync(BenchmarkDatabases databases, bool withPgloader, bool withPgcopydb, RapidbyteCli rapidbyte) => new(
        await databases.ScalarAsync<string>("postgres", "SHOW server_version"),
        await FirstLineAsync(PostgresClientTools.Psql, "--version") ?? "unknown",
        withPgloader ? await FirstLineAsync(PgloaderContender.Executable, "--version") : null,
        withPgcopydb ? await FirstLineAsync(PgcopydbContender.Executable, "--version") : null,
        await FirstLineAsync("git", "-C", RepositoryPaths.Root, "rev-parse", "--short", "HEAD") ?? "unknown",
        rapidbyte.BuiltAt,
        Environment.Version.ToString());

    /// <summary>The first line <paramref name="program"/> prints, or null when it cannot run.</summary>
    public static async Task<string?> FirstLineAsync(string program, params string[] arguments)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo(program, arguments) { RedirectStandardOutput = true, RedirectStandardError = true });
            if (process is null)
            {
                return null;
            }
            var output = process.StandardOutput.ReadToEndAsync();
            _ = await process.StandardError.ReadToEndAsync(); // drained, so a chatty program cannot block on it
            await process.WaitForExitAsync();
            return process.ExitCode == 0 ? (await output).Split('\n')[0].Trim() : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null; // not installed
        }
    }
}
