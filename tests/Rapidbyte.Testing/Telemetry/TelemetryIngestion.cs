using System.Collections.Concurrent;
using System.IO.Compression;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Rapidbyte.Testing.Telemetry;

/// <summary>
/// Application Insights' ingestion endpoint on loopback: a process whose
/// <c>APPLICATIONINSIGHTS_CONNECTION_STRING</c> is <see cref="ConnectionString"/> sends its
/// telemetry here as it would to Azure Monitor (<c>POST /v2.1/track</c>, newline-delimited JSON,
/// gzip), and every item is kept for the test to read.
/// </summary>
public sealed class TelemetryIngestion : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<JsonElement> _items = new();

    private TelemetryIngestion(WebApplication app, string address)
    {
        _app = app;
        ConnectionString = $"InstrumentationKey={InstrumentationKey};IngestionEndpoint={address}/";
    }

    public string InstrumentationKey { get; } = Guid.NewGuid().ToString();

    public string ConnectionString { get; }

    /// <summary>The telemetry items received so far (each an envelope: <c>name</c>, <c>iKey</c>, <c>data.baseType</c>, <c>data.baseData</c>).</summary>
    public IReadOnlyList<JsonElement> Items => [.. _items];

    public static async Task<TelemetryIngestion> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        TelemetryIngestion? ingestion = null;
        app.MapPost("/v2.1/track", async (HttpContext http) =>
        {
            Stream body = http.Request.Body;
            if (http.Request.Headers.ContentEncoding.ToString().Contains("gzip", StringComparison.OrdinalIgnoreCase))
            {
                body = new GZipStream(body, CompressionMode.Decompress);
            }
            using var reader = new StreamReader(body);
            var received = 0;
            while (await reader.ReadLineAsync() is { } line)
            {
                if (line.Length > 0)
                {
                    ingestion!._items.Enqueue(JsonDocument.Parse(line).RootElement.Clone());
                    received++;
                }
            }
            return Results.Json(new { itemsReceived = received, itemsAccepted = received, errors = Array.Empty<object>() });
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single().TrimEnd('/');
        ingestion = new TelemetryIngestion(app, address);
        return ingestion;
    }

    /// <summary>The items of one base type (<c>RequestData</c>, <c>MessageData</c>, <c>RemoteDependencyData</c>, <c>MetricData</c>).</summary>
    public IEnumerable<JsonElement> OfType(string baseType) =>
        Items.Where(item => item.TryGetProperty("data", out var data) && data.TryGetProperty("baseType", out var type) && type.GetString() == baseType);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
