using System.Text.Json;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Rapidbyte.Silo.Health;

/// <summary>Readiness as JSON: each check's status and description, so an operator sees what is not ready.</summary>
internal static class HealthReportWriter
{
    public static Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(JsonSerializer.Serialize(new
        {
            status = report.Status.ToString(),
            checks = report.Entries.ToDictionary(e => e.Key, e => new { status = e.Value.Status.ToString(), description = e.Value.Description }),
        }));
    }
}
