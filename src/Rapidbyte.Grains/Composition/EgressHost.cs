namespace Rapidbyte.Grains.Composition;

/// <summary>What the host around a silo tells its egress policy (<see cref="RapidbyteSiloBuilderExtensions.AddEgressPolicy"/>).</summary>
/// <param name="Development">
/// Whether the silo is in development mode: on one developer's machine, whose loopback is the
/// developer's own, so connectors may reach loopback (every port but the silo's own).
/// </param>
/// <param name="DevelopmentSetting">The setting that decides it, for messages.</param>
/// <param name="ListeningPorts">The host's own listening ports beyond the silo's (its HTTP server's), read at each connect.</param>
/// <param name="ListeningPortsSetting">The setting that names those ports, for messages.</param>
public sealed record EgressHost(bool Development, string DevelopmentSetting, Func<IEnumerable<int>> ListeningPorts, string ListeningPortsSetting);
