using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Runtime.Hosting;
using Orleans.Serialization;
using Orleans.Storage;
using Rapidbyte.Grains.Execution;
using Rapidbyte.Grains.State;
using Rapidbyte.Grains.Telemetry;
using Rapidbyte.Pipelines.Spec;
using Rapidbyte.Runtime.Network;

namespace Rapidbyte.Grains.Composition;

/// <summary>The composition root: how every Rapidbyte silo is put together (the service, the CLI's embedded silo, the tests).</summary>
public static class RapidbyteSiloBuilderExtensions
{
    /// <summary>
    /// Makes this silo a Rapidbyte silo with the settings under <c>Rapidbyte</c> in
    /// <paramref name="configuration"/> (<see cref="RapidbyteOptions"/>): membership, grain
    /// state and reminders in the state database (schema created at start, our own SQL), the
    /// connector runtime, and the grains. Settings are checked when the host starts; a bad one
    /// stops it with a message naming the setting.
    /// </summary>
    public static ISiloBuilder AddRapidbyte(this ISiloBuilder silo, IConfiguration configuration)
    {
        var services = silo.Services;
        services.AddOptions<RapidbyteOptions>().Bind(configuration.GetSection(RapidbyteOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<RapidbyteOptions>>(provider => new RapidbyteOptionsValidator(configuration, provider.GetServices<SettingsSection>()));
        var section = configuration.GetSection(RapidbyteOptions.Section);
        var backend = section.GetSection("State").GetValue("Backend", StateBackend.Postgres);
        var fireSchedules = section.GetSection("Engine").GetValue("FireSchedules", true);
        if (backend == StateBackend.Postgres)
        {
            services.AddSingleton<StateStore>();
            services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, StateSchemaParticipant>();
        }
        services.AddSingleton(provider => provider.GetRequiredService<IOptions<RapidbyteOptions>>().Value.Engine);
        // No operator policy unless the host adds one (AddEgressPolicy): the pipeline's allow-list alone.
        services.TryAddSingleton(EgressPolicy.Unrestricted);
        services.AddSingleton<PipelineEngine>();
        services.AddSingleton<ConnectorWarmUp>();
        services.AddMetrics();
        services.AddSingleton<RunTelemetry>();

        services.AddOptions<ClusterOptions>().Configure<IOptions<RapidbyteOptions>>((cluster, rapidbyte) =>
        {
            cluster.ClusterId = rapidbyte.Value.Cluster.ClusterId;
            cluster.ServiceId = rapidbyte.Value.Cluster.ServiceId;
        });
        services.AddOptions<EndpointOptions>().Configure<IOptions<RapidbyteOptions>>((endpoints, rapidbyte) =>
        {
            var cluster = rapidbyte.Value.Cluster;
            var local = cluster.Membership == MembershipKind.Local;
            endpoints.SiloPort = cluster.SiloPort == 0 ? UnusedPort() : cluster.SiloPort;
            endpoints.GatewayPort = cluster.GatewayPort == 0 ? UnusedPort() : cluster.GatewayPort;
            // ADO.NET membership publishes what this says; left unset, Orleans picks the
            // machine's address, which a single local silo has no use for.
            if ((cluster.ParsedAdvertisedAddress ?? (local ? IPAddress.Loopback : null)) is { } advertised)
            {
                endpoints.AdvertisedIPAddress = advertised;
            }
        });

        // A silo that stops answering is declared dead after 3 missed probes of 2 s (Orleans'
        // default: 3 of 5 s): its streams are taken up elsewhere within seconds, not half a
        // minute. A silo paused longer than ~6 s (a long GC, a starved VM) is declared dead too
        // and must rejoin; the runs it carried are resumed from their last commit either way.
        services.Configure<ClusterMembershipOptions>(membership =>
        {
            membership.ProbeTimeout = TimeSpan.FromSeconds(2);
            membership.NumMissedProbesLimit = 3;
        });

        // The reminder that finds runs whose owner is gone ticks more often than Orleans' default
        // minimum (1 min); a schedule's may too (tests of schedules with seconds).
        services.AddOptions<ReminderOptions>().Configure<IOptions<RapidbyteOptions>>((reminders, rapidbyte) =>
            reminders.MinimumReminderPeriod = new[] { reminders.MinimumReminderPeriod, rapidbyte.Value.Engine.RunCheckInterval, rapidbyte.Value.Engine.ScheduleCheckInterval }.Min());

        // The choices made while the silo is composed: which providers to register.
        var membership = section.GetSection("Cluster").GetValue("Membership", MembershipKind.Database);
        if (membership == MembershipKind.Local)
        {
            silo.UseDevelopmentClustering(options => options.Configure<IOptions<EndpointOptions>>((development, endpoints) =>
                development.PrimarySiloEndpoint = new IPEndPoint(endpoints.Value.AdvertisedIPAddress, endpoints.Value.SiloPort)));
        }
        else
        {
            silo.UseAdoNetClustering(options => options.Configure<StateStore>((clustering, store) =>
            {
                clustering.Invariant = "Npgsql";
                clustering.DataSource = store.DataSource;
            }));
        }
        if (backend == StateBackend.Sqlite)
        {
            // One local silo with its state in a file (the validator refuses anything else).
            services.AddGrainStorage(StateStorage.Name, (provider, _) =>
            {
                var options = provider.GetRequiredService<IOptions<RapidbyteOptions>>().Value;
                return new SqliteGrainStorage(options.State.ConnectionString, options.Cluster.ServiceId,
                    new OrleansGrainStorageSerializer(provider.GetRequiredService<Serializer>()));
            });
            services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, SqliteStateParticipant>();
        }
        else
        {
            // Grain state is written with the Orleans serializer (field ids and type aliases, no
            // .NET type names), so renaming a class does not orphan stored state.
            silo.AddAdoNetGrainStorage(StateStorage.Name, options => options.Configure<Serializer, StateStore>((storage, serializer, store) =>
            {
                storage.Invariant = "Npgsql";
                storage.DataSource = store.DataSource;
                storage.GrainStorageSerializer = new OrleansGrainStorageSerializer(serializer);
            }));
        }
        if (fireSchedules && backend == StateBackend.Postgres)
        {
            // Reminders sit next to grain state, so a schedule survives every silo stopping.
            silo.UseAdoNetReminderService(options => options.Configure<StateStore>((reminders, store) =>
            {
                reminders.Invariant = "Npgsql";
                reminders.DataSource = store.DataSource;
            }));
        }
        else
        {
            // A one-shot process's own reminders (they look for its interrupted runs, which the
            // next run of the pipeline takes up anyway): the cluster's are not its to tick.
            silo.UseInMemoryReminderService();
        }
        return silo;
    }

    /// <summary>
    /// Puts the silo's connectors under its operator's egress policy
    /// (<see cref="SiloEgressPolicy"/>, settings <c>Rapidbyte:Egress</c>, checked at start with
    /// the silo's): what a service's silo does, where pipelines come from callers of its API.
    /// Without it (the CLI's silo) a connector reaches what its pipeline's allow-list allows.
    /// </summary>
    /// <param name="host">What the host tells the policy, read once the host is composed.</param>
    public static ISiloBuilder AddEgressPolicy(this ISiloBuilder silo, Func<IServiceProvider, EgressHost> host)
    {
        var services = silo.Services;
        services.AddSingleton(new SettingsSection(EgressOptions.Section, typeof(EgressOptions), EgressOptions.Problems));
        services.AddOptions<EgressOptions>().Bind(silo.Configuration.GetSection($"{RapidbyteOptions.Section}:{EgressOptions.Section}"));
        services.Replace(ServiceDescriptor.Singleton(provider => SiloEgressPolicy.Build(
            provider.GetRequiredService<IOptions<EgressOptions>>().Value,
            provider.GetRequiredService<IOptions<RapidbyteOptions>>().Value.State,
            provider.GetRequiredService<IOptions<EndpointOptions>>().Value,
            host(provider))));
        return silo;
    }

    private static int UnusedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
