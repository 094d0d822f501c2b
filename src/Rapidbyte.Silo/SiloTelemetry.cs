using Azure.Monitor.OpenTelemetry.Exporter;
using Npgsql;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Rapidbyte.Grains.Telemetry;

namespace Rapidbyte.Silo;

/// <summary>Metrics, traces and logs of the silo, exported over OTLP and/or to Azure Monitor when configured.</summary>
internal static class SiloTelemetry
{
    /// <summary>The variable that names an OTLP collector (the standard OpenTelemetry one).</summary>
    public const string OtlpEndpoint = "OTEL_EXPORTER_OTLP_ENDPOINT";

    /// <summary>The variable that names an Application Insights resource (Azure's standard one).</summary>
    public const string ApplicationInsights = "APPLICATIONINSIGHTS_CONNECTION_STRING";

    private const string StatsbeatDisabled = "APPLICATIONINSIGHTS_STATSBEAT_DISABLED";

    /// <summary>
    /// Rapidbyte's own meter and traces (rows, bytes, batches, run durations and outcomes per
    /// pipeline and stream), Orleans' and Npgsql's, and ASP.NET Core's, with the logs: exported
    /// over OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set (the standard OpenTelemetry
    /// variables choose protocol, headers and service name), and to Application Insights when
    /// <c>APPLICATIONINSIGHTS_CONNECTION_STRING</c> is (as the Azure deployment sets it, from a
    /// secret). Without either nothing listens: Orleans then creates no activity per grain call,
    /// and no instrument is observed.
    /// </summary>
    public static WebApplicationBuilder AddSiloTelemetry(this WebApplicationBuilder builder)
    {
        var otlp = !string.IsNullOrWhiteSpace(builder.Configuration[OtlpEndpoint]);
        var azureMonitor = !string.IsNullOrWhiteSpace(builder.Configuration[ApplicationInsights]);
        if (!otlp && !azureMonitor)
        {
            return builder;
        }
        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("rapidbyte-silo"))
            .WithMetrics(metrics => metrics
                .AddMeter(RunTelemetry.Name, "Microsoft.Orleans", "Npgsql")
                .AddAspNetCoreInstrumentation())
            .WithTracing(tracing => tracing
                .AddSource(RunTelemetry.Name, "Microsoft.Orleans.Runtime", "Microsoft.Orleans.Application")
                .AddNpgsql()
                .AddAspNetCoreInstrumentation(o => o.Filter = context => !context.Request.Path.StartsWithSegments("/health")));
        if (otlp)
        {
            telemetry.UseOtlpExporter();
        }
        if (azureMonitor)
        {
            // Nothing goes anywhere but the resource named: no statsbeat (the exporter's usage
            // reports to Microsoft's own endpoints) unless the operator asks for it.
            if (Environment.GetEnvironmentVariable(StatsbeatDisabled) is null)
            {
                Environment.SetEnvironmentVariable(StatsbeatDisabled, "true");
            }
            // Every signal, logs included. Every trace is kept: the exporter's default rate limit
            // (5 a second) is spent on the silo's own background queries and drops API requests.
            telemetry.UseAzureMonitorExporter(options =>
            {
                options.ConnectionString = builder.Configuration[ApplicationInsights];
                options.TracesPerSecond = null;
                options.SamplingRatio = 1.0F;
                options.EnableLiveMetrics = false;
            });
        }
        return builder;
    }
}
