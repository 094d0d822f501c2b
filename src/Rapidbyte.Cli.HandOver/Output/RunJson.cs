using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Rapidbyte.Grains.Runs;

namespace Rapidbyte.Cli.Output;

/// <summary>
/// The one JSON object <c>rapidbyte run --json</c> prints: <c>{"pipeline", "run_id", "status",
/// "duration_ms", "streams": [{"name", "status", "rows_read", "rows_written",
/// "rows_committed", "bytes", "duration_ms", "first_batch_at", "cursor", "error"}]}</c>.
/// <c>rows_written</c> is what the destination took, <c>rows_committed</c> what it committed
/// (what stays after a failure). A cursor is the source
/// connector's own JSON; <c>first_batch_at</c> is when the source emitted its first batch
/// (ISO 8601, UTC), null if it emitted none.
/// </summary>
public static class RunJson
{
    public static string Write(PipelineRunReport run)
    {
        using var buffer = new MemoryStream();
        // Relaxed escaping: a cursor like 2024-05-18 21:20:00+00 stays readable (stdout is not HTML).
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteString("pipeline", run.Pipeline);
            json.WriteString("run_id", run.RunId);
            json.WriteString("status", run.Status.ToName());
            json.WriteNumber("duration_ms", (long)run.Duration.TotalMilliseconds);
            json.WriteStartArray("streams");
            foreach (var stream in run.Streams)
            {
                json.WriteStartObject();
                json.WriteString("name", stream.Stream);
                json.WriteString("status", stream.Status.ToName());
                json.WriteNumber("rows_read", stream.RowsRead);
                json.WriteNumber("rows_written", stream.RowsWritten);
                json.WriteNumber("rows_committed", stream.RowsCommitted);
                json.WriteNumber("bytes", stream.Bytes);
                json.WriteNumber("duration_ms", (long)stream.Duration.TotalMilliseconds);
                if (stream.FirstBatchAt is { } firstBatch)
                {
                    json.WriteString("first_batch_at", firstBatch);
                }
                else
                {
                    json.WriteNull("first_batch_at");
                }
                json.WritePropertyName("cursor");
                WriteCursor(json, stream.Cursor);
                json.WriteString("error", stream.Error);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void WriteCursor(Utf8JsonWriter json, string? cursor)
    {
        if (cursor is null)
        {
            json.WriteNullValue();
            return;
        }
        try
        {
            using var document = JsonDocument.Parse(cursor);
            document.RootElement.WriteTo(json);
        }
        catch (JsonException)
        {
            json.WriteStringValue(cursor);
        }
    }
}
