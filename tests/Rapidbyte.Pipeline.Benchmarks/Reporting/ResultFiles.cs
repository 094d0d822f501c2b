using System.Text.Encodings.Web;
using System.Text.Json;
using Rapidbyte.Testing;

namespace Rapidbyte.Pipeline.Benchmarks.Reporting;

/// <summary>
/// results/ next to the harness: latest.md and latest.json, and the same under the row count
/// (firenibble-1000000.md), so each size keeps its latest figures; schedules.md and .json.
/// </summary>
internal static class ResultFiles
{
    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, // a file, not HTML: keep "×" and quotes readable
    };

    public static string Folder { get; } = Path.Combine(RepositoryPaths.Root, "tests", "Rapidbyte.Pipeline.Benchmarks", "results");

    /// <summary>Writes the four files; returns their paths.</summary>
    public static IReadOnlyList<string> Write(BenchmarkReport report, string markdown) =>
        [.. Write("latest", report, markdown), .. Write($"firenibble-{report.Rows}", report, markdown)];

    /// <summary>Writes <paramref name="name"/>.md and <paramref name="name"/>.json; returns their paths.</summary>
    public static IReadOnlyList<string> Write<T>(string name, T report, string markdown)
    {
        Directory.CreateDirectory(Folder);
        return [WriteFile($"{name}.md", markdown), WriteFile($"{name}.json", JsonSerializer.Serialize(report, Json) + "\n")];
    }

    private static string WriteFile(string name, string content)
    {
        var path = Path.Combine(Folder, name);
        File.WriteAllText(path, content);
        return path;
    }
}
