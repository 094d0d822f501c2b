using System.Text.Json;

namespace Rapidbyte.Pipeline.Benchmarks.Contenders;

/// <summary>
/// What <c>rapidbyte run --json</c> printed: <c>{"pipeline", "status", "duration_ms",
/// "streams": [{"name", "status", "rows_read", "rows_written", "rows_committed", "bytes", "duration_ms",
/// "first_batch_at", "cursor", "error"}]}</c>, summed over the streams.
/// </summary>
/// <param name="FirstBatchAt">The earliest first batch of any stream (UTC); null if none emitted one.</param>
internal sealed record RapidbyteRunSummary(string Status, TimeSpan Duration, long RowsRead, long RowsWritten, DateTimeOffset? FirstBatchAt, string? Error)
{
    public bool Succeeded => Status == "succeeded";

    /// <summary>The summary in <paramref name="stdout"/>, or null when it holds none.</summary>
    public static RapidbyteRunSummary? TryParse(string stdout)
    {
        try
        {
            using var document = JsonDocument.Parse(stdout);
            var run = document.RootElement;
            var streams = run.GetProperty("streams").EnumerateArray().ToList();
            return new RapidbyteRunSummary(
                run.GetProperty("status").GetString() ?? "",
                TimeSpan.FromMilliseconds(run.GetProperty("duration_ms").GetInt64()),
                streams.Sum(s => s.GetProperty("rows_read").GetInt64()),
                streams.Sum(s => s.GetProperty("rows_written").GetInt64()),
                streams.Select(s => s.GetProperty("first_batch_at"))
                    .Where(t => t.ValueKind != JsonValueKind.Null)
                    .Select(t => (DateTimeOffset?)t.GetDateTimeOffset())
                    .Min(),
                streams.Select(s => s.GetProperty("error").GetString()).FirstOrDefault(e => e is not null));
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            return null;
        }
    }
}
