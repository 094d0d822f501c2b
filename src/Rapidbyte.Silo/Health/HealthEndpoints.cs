using Microsoft.AspNetCore.Diagnostics.HealthChecks;

namespace Rapidbyte.Silo.Health;

/// <summary>
/// <c>/health/live</c>: the process answers (touches no storage, so a database outage never
/// gets a silo restarted). <c>/health/ready</c>: the state database answers and the
/// connector modules are compiled; only then should traffic and runs come here.
/// </summary>
internal static class HealthEndpoints
{
    private const string Ready = "ready";

    public static IServiceCollection AddSiloHealthChecks(this IServiceCollection services)
    {
        services.AddHostedService<ConnectorPreparation>();
        services.AddHealthChecks()
            .AddCheck<StateDatabaseHealthCheck>("state-database", tags: [Ready])
            .AddCheck<ConnectorsHealthCheck>("connectors", tags: [Ready]);
        return services;
    }

    public static WebApplication MapSiloHealthChecks(this WebApplication app)
    {
        // The only endpoints an anonymous caller reaches (probes carry no token).
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false }).AllowAnonymous();
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = check => check.Tags.Contains(Ready), ResponseWriter = HealthReportWriter.WriteAsync }).AllowAnonymous();
        return app;
    }
}
