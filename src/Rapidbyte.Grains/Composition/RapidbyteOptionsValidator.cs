using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Npgsql;
using Rapidbyte.Pipelines.Spec;

namespace Rapidbyte.Grains.Composition;

/// <summary>
/// Checks a silo's settings before anything starts. Every problem names its setting by its
/// configuration path (<c>Rapidbyte:State:ConnectionString</c>) and never quotes a value,
/// which may be a secret. Keys under <c>Rapidbyte</c> that name no setting are problems too: a
/// misspelt setting silently left at its default is worse than a silo that does not start.
/// </summary>
/// <param name="sections">Sections a host adds under <c>Rapidbyte</c> (see <see cref="SettingsSection"/>).</param>
public sealed class RapidbyteOptionsValidator(IConfiguration configuration, IEnumerable<SettingsSection>? sections = null) : IValidateOptions<RapidbyteOptions>
{
    public ValidateOptionsResult Validate(string? name, RapidbyteOptions options)
    {
        var problems = new List<string>();
        var added = sections?.ToList() ?? [];
        UnknownKeys(configuration.GetSection(RapidbyteOptions.Section), typeof(RapidbyteOptions), problems, added);
        foreach (var section in added.Where(s => s.Check is not null))
        {
            try
            {
                problems.AddRange(section.Check!(configuration.GetSection($"{RapidbyteOptions.Section}:{section.Name}")));
            }
            catch (InvalidOperationException e)
            {
                // The binder's own message names the setting it could not convert.
                problems.Add(e.Message);
            }
        }
        State(options.State, options.Cluster, problems);
        Cluster(options.Cluster, problems);
        Engine(options, problems);
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }

    private static void State(StateOptions state, ClusterSettings cluster, List<string> problems)
    {
        const string Key = $"{RapidbyteOptions.Section}:State:ConnectionString";
        if (state.Backend == StateBackend.Sqlite)
        {
            if (cluster.Membership != MembershipKind.Local)
            {
                problems.Add($"{RapidbyteOptions.Section}:State:Backend Sqlite keeps state in one local file, which the silos of a cluster cannot share: use Postgres");
            }
            if (string.IsNullOrWhiteSpace(state.ConnectionString))
            {
                problems.Add($"{Key} is not set: give the SQLite state file's path");
            }
            if (state.Authentication != StateAuthentication.Password)
            {
                problems.Add($"{RapidbyteOptions.Section}:State:Authentication {state.Authentication} signs in to a PostgreSQL server; a SQLite file has no sign-in");
            }
            return;
        }
        if (string.IsNullOrWhiteSpace(state.ConnectionString))
        {
            problems.Add($"{Key} is not set: give the state database's connection string (Host=...;Database=...;Username=...)");
        }
        else
        {
            try
            {
                var builder = new NpgsqlConnectionStringBuilder(state.ConnectionString);
                if (string.IsNullOrEmpty(builder.Host))
                {
                    problems.Add($"{Key} names no Host");
                }
                else if (StateConnection.LibpqFormProblem(state.ConnectionString) is { } problem)
                {
                    problems.Add($"{Key} {problem}");
                }
                if (state.Authentication == StateAuthentication.Entra)
                {
                    // The token is the password: one given as well would be ignored or, worse, believed to be in use.
                    if (!string.IsNullOrEmpty(builder.Password) || !string.IsNullOrEmpty(builder.Passfile))
                    {
                        problems.Add($"{Key} gives a password while {RapidbyteOptions.Section}:State:Authentication is Entra, which signs in with a token: remove the password");
                    }
                    if (string.IsNullOrEmpty(builder.Username))
                    {
                        problems.Add($"{Key} names no Username: with {RapidbyteOptions.Section}:State:Authentication Entra it is the PostgreSQL role of the Entra identity (a managed identity's name)");
                    }
                }
            }
            catch (ArgumentException e)
            {
                problems.Add($"{Key} is not a valid connection string: {e.Message}");
            }
        }
        if (string.IsNullOrWhiteSpace(state.Schema))
        {
            problems.Add($"{RapidbyteOptions.Section}:State:Schema is empty");
        }
    }

    private static void Cluster(ClusterSettings cluster, List<string> problems)
    {
        const string Prefix = $"{RapidbyteOptions.Section}:Cluster:";
        if (string.IsNullOrWhiteSpace(cluster.ClusterId))
        {
            problems.Add($"{Prefix}ClusterId is empty");
        }
        if (string.IsNullOrWhiteSpace(cluster.ServiceId))
        {
            problems.Add($"{Prefix}ServiceId is empty");
        }
        var lowest = cluster.Membership == MembershipKind.Local ? 0 : 1;
        foreach (var (key, port) in new[] { ("SiloPort", cluster.SiloPort), ("GatewayPort", cluster.GatewayPort) })
        {
            if (port < lowest || port > 65535)
            {
                problems.Add($"{Prefix}{key} must be a port from {lowest} to 65535" + (lowest == 1 ? " (0, any free port, only works for Local membership)" : ""));
            }
        }
        if (cluster.SiloPort != 0 && cluster.SiloPort == cluster.GatewayPort)
        {
            problems.Add($"{Prefix}SiloPort and {Prefix}GatewayPort must differ");
        }
        if (cluster.AdvertisedAddress is { Length: > 0 } address && !IPAddress.TryParse(address, out _))
        {
            problems.Add($"{Prefix}AdvertisedAddress must be an IP address (the one other silos and clients reach this silo at)");
        }
    }

    private static void Engine(RapidbyteOptions options, List<string> problems)
    {
        const string Prefix = $"{RapidbyteOptions.Section}:Engine:";
        var engine = options.Engine;
        if (string.IsNullOrWhiteSpace(engine.ConnectorsDirectory))
        {
            problems.Add($"{Prefix}ConnectorsDirectory is not set: give the directory holding the connector modules (*.wasm)");
        }
        else if (!Directory.Exists(engine.ConnectorsDirectory))
        {
            problems.Add($"{Prefix}ConnectorsDirectory: no such directory");
        }
        var registry = engine.Registry;
        if (!string.IsNullOrWhiteSpace(registry.ServiceUri) && !string.IsNullOrWhiteSpace(registry.ConnectionString))
        {
            problems.Add($"{Prefix}Registry:ServiceUri and {Prefix}Registry:ConnectionString are both set: give one (the URI signs in with the managed identity, the connection string with its key)");
        }
        else if (!string.IsNullOrWhiteSpace(registry.ServiceUri) && !(Uri.TryCreate(registry.ServiceUri, UriKind.Absolute, out var uri) && uri.Scheme == Uri.UriSchemeHttps))
        {
            problems.Add($"{Prefix}Registry:ServiceUri must be an https:// URI of a Blob service (https://<account>.blob.core.windows.net)");
        }
        else if (!string.IsNullOrWhiteSpace(registry.ConnectionString))
        {
            try
            {
                global::Rapidbyte.Engine.Connectors.BlobConnectorRegistry.Create(registry.ConnectionString, registry.Container);
            }
            catch (FormatException e)
            {
                problems.Add($"{Prefix}Registry:ConnectionString: {e.Message}");
            }
        }
        if (registry.Configured && !System.Text.RegularExpressions.Regex.IsMatch(registry.Container ?? "", "^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$"))
        {
            problems.Add($"{Prefix}Registry:Container must be a Blob container name (3-63 lower-case letters, digits and single hyphens)");
        }
        if (engine.MaxRetries < 0)
        {
            problems.Add($"{Prefix}MaxRetries must be 0 or more");
        }
        if (engine.RetryDelay <= TimeSpan.Zero)
        {
            problems.Add($"{Prefix}RetryDelay must be positive (hh:mm:ss)");
        }
        if (engine.MaxRetryDelay < engine.RetryDelay)
        {
            problems.Add($"{Prefix}MaxRetryDelay must be at least {Prefix}RetryDelay");
        }
        if (engine.ProgressInterval <= TimeSpan.Zero)
        {
            problems.Add($"{Prefix}ProgressInterval must be positive (hh:mm:ss)");
        }
        if (engine.RunLeaseTimeout < TimeSpan.FromSeconds(2))
        {
            problems.Add($"{Prefix}RunLeaseTimeout must be at least 00:00:02");
        }
        if (engine.RunCheckInterval < TimeSpan.FromSeconds(1))
        {
            problems.Add($"{Prefix}RunCheckInterval must be at least 00:00:01");
        }
        if (engine.ScheduleCheckInterval < TimeSpan.FromSeconds(1))
        {
            problems.Add($"{Prefix}ScheduleCheckInterval must be at least 00:00:01");
        }
        if (engine.RunHistoryLength is < 1 or > 1000)
        {
            problems.Add($"{Prefix}RunHistoryLength must be from 1 to 1000");
        }
        if (!System.Text.RegularExpressions.Regex.IsMatch(engine.VariablePrefix, "^[A-Za-z_][A-Za-z0-9_]*$"))
        {
            problems.Add($"{Prefix}VariablePrefix must be the start of an environment variable's name (letters, digits, '_'), e.g. RAPIDBYTE_");
        }
    }

    // Walks the configuration under the section along the options' own properties.
    private static void UnknownKeys(IConfigurationSection section, Type type, List<string> problems, IReadOnlyList<SettingsSection>? added = null)
    {
        var properties = SettingProperties.Of(type);
        added ??= [];
        foreach (var child in section.GetChildren())
        {
            var property = properties.FirstOrDefault(p => string.Equals(p.Name, child.Key, StringComparison.OrdinalIgnoreCase));
            if (property is null && added.FirstOrDefault(s => string.Equals(s.Name, child.Key, StringComparison.OrdinalIgnoreCase)) is { } host)
            {
                UnknownKeys(child, host.Type, problems);
            }
            else if (property is null)
            {
                problems.Add($"{child.Path} is not a setting; the settings under {section.Path} are {string.Join(", ", properties.Select(p => p.Name).Concat(added.Select(s => s.Name)))}");
            }
            else if (SettingProperties.IsList(property.PropertyType))
            {
                if (!string.IsNullOrEmpty(child.Value))
                {
                    // The binder would ignore it, leaving the list empty without a word.
                    problems.Add($"{child.Path} is a list: give its entries as {child.Path}:0, {child.Path}:1, ... ({child.Path.Replace(":", "__", StringComparison.Ordinal)}__0 in the environment)");
                }
                foreach (var item in child.GetChildren().Where(i => !int.TryParse(i.Key, out _) || i.GetChildren().Any()))
                {
                    problems.Add($"{item.Path} is not a setting: {child.Path} is a list ({child.Path}:0, {child.Path}:1, ...)");
                }
            }
            else if (SettingProperties.IsSingleValue(property.PropertyType))
            {
                foreach (var nested in child.GetChildren())
                {
                    problems.Add($"{nested.Path} is not a setting: {child.Path} is a single value");
                }
            }
            else
            {
                UnknownKeys(child, property.PropertyType, problems);
            }
        }
    }
}
