using Npgsql;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Rapidbyte.Grains.Telemetry;

namespace Rapidbyte.Silo;

/// <summary>Metrics and traces of the silo, exported over OTLP when an endpoint is configured.</summary>
internal static class SiloTelemetry
{
    /// <summary>
    /// Rapidbyte's own meter and traces (rows, bytes, batches, run durations and outcomes per
    /// pipeline and stream), Orleans' and Npgsql's, and ASP.NET Core's, exported over OTLP when
    /// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set (the standard OpenTelemetry variables choose
    /// protocol, headers and service name). Without an endpoint nothing listens: Orleans then
    /// creates no activity per grain call, and no instrument is observed.
    /// </summary>
    public static WebApplicationBuilder AddSiloTelemetry(this WebApplicationBuilder builder)
    {
        if (string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            return builder;
        }
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("rapidbyte-silo"))
            .WithMetrics(metrics => metrics
                .AddMeter(RunTelemetry.Name, "Microsoft.Orleans", "Npgsql")
                .AddAspNetCoreInstrumentation())
            .WithTracing(tracing => tracing
                .AddSource(RunTelemetry.Name, "Microsoft.Orleans.Runtime", "Microsoft.Orleans.Application")
                .AddNpgsql()
                .AddAspNetCoreInstrumentation(o => o.Filter = context => !context.Request.Path.StartsWithSegments("/health")))
            .UseOtlpExporter();
        return builder;
    }
}
