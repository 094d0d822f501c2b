using System.Text.RegularExpressions;
using Cronos;
using Rapidbyte.Contracts;
using Rapidbyte.Pipelines.Spec;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Rapidbyte.Pipelines.Parsing;

/// <summary>
/// Turns a pipeline YAML file into a <see cref="PipelineSpec"/>, or a
/// <see cref="PipelineSpecException"/> listing every problem with its file:line:column and key
/// path. Connector configs may hold secrets: no message ever quotes a config value.
/// </summary>
public static partial class PipelineSpecParser
{
    public const string SupportedVersion = "1";

    // The same version as written by the files of the system this project grew from.
    private static readonly string[] VersionSpellings = [SupportedVersion, "1.0"];

    private static readonly string[] RootKeys = ["version", "pipeline", "source", "destination", "state", "schedule", "resources", "network"];
    private static readonly string[] SourceKeys = ["use", "config", "streams"];
    private static readonly string[] StreamKeys = ["name", "sync_mode", "cursor_field", "columns", "parallelism"];
    private static readonly string[] DestinationKeys = ["use", "config", "write_mode", "primary_key"];
    private static readonly string[] StateKeys = ["backend", "connection"];
    private static readonly string[] ScheduleKeys = ["cron", "timezone"];
    private static readonly string[] ResourceKeys = ["batch_rows", "batch_bytes", "max_inflight_batches", "parallel_streams", "connector_memory", "connector_cpu_limit"];
    private static readonly string[] NetworkKeys = ["allow"];

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")]
    private static partial Regex PipelineName();

    /// <summary>Reads and validates the file at <paramref name="path"/>, substituting the process environment.</summary>
    public static PipelineSpec Load(string path) =>
        Parse(ReadFile(path), Path.GetFileName(path), Environment.GetEnvironmentVariable);

    /// <summary>The text of a pipeline file; one too large to be a pipeline is refused before it is read.</summary>
    /// <exception cref="PipelineSpecException">The file is over <see cref="DocumentLimits.MaxCharacters"/>.</exception>
    public static string ReadFile(string path)
    {
        var length = new FileInfo(path).Length;
        if (length > DocumentLimits.MaxCharacters * 4L)
        {
            // Larger than the most characters could take as UTF-8: not worth reading.
            throw new PipelineSpecException([new SpecError(Path.GetFileName(path), 1, 1, "", DocumentLimits.TooLarge(length))]);
        }
        return File.ReadAllText(path);
    }

    /// <summary>Validates <paramref name="yaml"/>; <paramref name="file"/> is the name errors cite.</summary>
    /// <exception cref="PipelineSpecException">Every problem found.</exception>
    public static PipelineSpec Parse(string yaml, string file, Func<string, string?> environment)
    {
        var reader = new SpecReader(file, environment);
        if (DocumentLimits.Check(yaml) is { } broken)
        {
            reader.Error(broken.At, "", broken.Message);
            throw new PipelineSpecException(reader.Errors);
        }
        var document = LoadDocument(yaml, reader);
        var spec = document is null ? null : Read(document, reader);
        if (reader.Errors.Count > 0 || spec is null)
        {
            throw new PipelineSpecException(reader.Errors.OrderBy(e => e.Line).ThenBy(e => e.Column).ToList());
        }
        return spec;
    }

    private static YamlNode? LoadDocument(string yaml, SpecReader reader)
    {
        var stream = new YamlStream();
        var parser = new Parser(new StringReader(yaml));
        try
        {
            stream.Load(parser);
        }
        catch (YamlException e)
        {
            reader.Error(e.Start, "", $"not valid YAML: {e.Message}");
            return null;
        }
        catch (InvalidOperationException)
        {
            // YamlDotNet's scanner fails this way on some unclosed flow collections; the last
            // event it parsed is where the trouble starts.
            reader.Error(parser.Current?.End ?? Mark.Empty, "", "not valid YAML: the parser could not continue after this point (an unclosed '[', '{' or quote?)");
            return null;
        }
        if (stream.Documents.Count == 0)
        {
            reader.Error(Mark.Empty, "", "the file is empty");
            return null;
        }
        return stream.Documents[0].RootNode;
    }

    private static PipelineSpec? Read(YamlNode document, SpecReader reader)
    {
        var root = reader.Mapping(document, "", RootKeys);
        if (root is null)
        {
            return null;
        }
        var version = reader.String(root, "version", "", required: true);
        if (version is not null && !VersionSpellings.Contains(version))
        {
            reader.Error(SpecReader.Get(root, "version")!, "version", $"'{version}' is not a supported version; this Rapidbyte reads version {SupportedVersion} (also written 1.0)");
        }
        var name = reader.String(root, "pipeline", "", required: true);
        if (name is not null && !PipelineName().IsMatch(name))
        {
            reader.Error(SpecReader.Get(root, "pipeline")!, "pipeline",
                $"'{name}' is not a pipeline name: use letters, digits, '_', '.', '-' (at most 128, starting with a letter or digit)");
        }
        var source = ReadSource(root, reader);
        var destination = ReadDestination(root, reader);
        var state = ReadState(root, reader);
        var schedule = ReadSchedule(root, reader);
        var resources = ReadResources(root, reader);
        var network = ReadNetwork(root, reader);
        if (root.Children.Count > 0 && SpecReader.Get(root, "source") is null)
        {
            reader.Error(root, "source", "is required");
        }
        if (root.Children.Count > 0 && SpecReader.Get(root, "destination") is null)
        {
            reader.Error(root, "destination", "is required");
        }
        return version is null || name is null || source is null || destination is null
            ? null
            : new PipelineSpec(version, name, source, destination, state, schedule, resources, network);
    }

    private static SourceSpec? ReadSource(YamlMappingNode root, SpecReader reader)
    {
        var source = reader.Mapping(SpecReader.Get(root, "source"), "source", SourceKeys);
        if (source is null)
        {
            return null;
        }
        var use = Use(source, "source", reader);
        var (config, locations) = reader.Config(source, "source");
        var streams = ReadStreams(source, reader);
        return use is null || streams is null ? null : new SourceSpec(use, config, streams) { ConfigLocations = locations };
    }

    // A connector reference: name, name@version or name@sha256:digest.
    private static string? Use(YamlMappingNode endpoint, string path, SpecReader reader)
    {
        var use = reader.String(endpoint, "use", path, required: true);
        if (use is not null && !ConnectorReference.TryParse(use, out _, out var problem))
        {
            reader.Error(SpecReader.Get(endpoint, "use")!, $"{path}.use", problem);
            return null;
        }
        return use;
    }

    private static List<StreamSpec>? ReadStreams(YamlMappingNode source, SpecReader reader)
    {
        var node = SpecReader.Get(source, "streams");
        if (node is not YamlSequenceNode { Children.Count: > 0 } sequence)
        {
            reader.Error(node ?? source, "source.streams", "must list at least one stream (a table to read)");
            return null;
        }
        var streams = new List<StreamSpec>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < sequence.Children.Count; i++)
        {
            var path = $"source.streams[{i}]";
            var stream = reader.Mapping(sequence.Children[i], path, StreamKeys);
            if (stream is null)
            {
                continue;
            }
            var name = reader.String(stream, "name", path, required: true);
            var mode = reader.Enum<SyncMode>(stream, "sync_mode", path) ?? SyncMode.FullRefresh;
            var cursor = reader.String(stream, "cursor_field", path);
            var columns = reader.StringList(stream, "columns", path);
            // A whole number of connections, or `auto` (also when absent).
            int? parallelism = null;
            if (reader.String(stream, "parallelism", path) is { } parallelismText && parallelismText != "auto")
            {
                parallelism = int.TryParse(parallelismText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var connections) && connections is >= 1 and <= 64
                    ? connections
                    : null;
                if (parallelism is null)
                {
                    reader.Error(SpecReader.Get(stream, "parallelism")!, $"{path}.parallelism", $"'{parallelismText}' is neither auto nor a whole number of connections from 1 to 64");
                }
            }
            if (mode == SyncMode.Incremental && cursor is null && SpecReader.Get(stream, "sync_mode") is { } modeNode)
            {
                reader.Error(modeNode, $"{path}.cursor_field", "is required for an incremental stream");
            }
            if (name is not null && !seen.Add(name))
            {
                reader.Error(SpecReader.Get(stream, "name")!, $"{path}.name", $"stream '{name}' is listed twice");
            }
            if (name is not null)
            {
                streams.Add(new StreamSpec(name, mode, cursor, columns, parallelism));
            }
        }
        return streams;
    }

    private static DestinationSpec? ReadDestination(YamlMappingNode root, SpecReader reader)
    {
        var destination = reader.Mapping(SpecReader.Get(root, "destination"), "destination", DestinationKeys);
        if (destination is null)
        {
            return null;
        }
        var use = Use(destination, "destination", reader);
        var (config, locations) = reader.Config(destination, "destination");
        var writeMode = reader.Enum<WriteMode>(destination, "write_mode", "destination") ?? WriteMode.Append;
        var primaryKey = reader.StringList(destination, "primary_key", "destination") ?? [];
        if (writeMode == WriteMode.Upsert && primaryKey.Count == 0 && SpecReader.Get(destination, "write_mode") is { } modeNode)
        {
            reader.Error(modeNode, "destination.primary_key", "is required for write_mode upsert");
        }
        return use is null ? null : new DestinationSpec(use, config, writeMode, primaryKey) { ConfigLocations = locations };
    }

    private static StateSpec ReadState(YamlMappingNode root, SpecReader reader)
    {
        var state = reader.Mapping(SpecReader.Get(root, "state"), "state", StateKeys);
        return new StateSpec(reader.Enum<StateBackend>(state, "backend", "state") ?? StateBackend.Postgres, reader.String(state, "connection", "state"));
    }

    // schedule: "0 2 * * *", or schedule: {cron: "0 2 * * *", timezone: Europe/Berlin}
    private static ScheduleSpec? ReadSchedule(YamlMappingNode root, SpecReader reader)
    {
        var node = SpecReader.Get(root, "schedule");
        if (node is null)
        {
            return null;
        }
        string? text;
        var zoneId = "UTC";
        YamlNode cronNode = node, zoneNode = node;
        var path = "schedule";
        if (node is YamlMappingNode)
        {
            var schedule = reader.Mapping(node, "schedule", ScheduleKeys);
            text = reader.String(schedule, "cron", "schedule", required: true);
            cronNode = SpecReader.Get(schedule, "cron") ?? node;
            path = "schedule.cron";
            if (reader.String(schedule, "timezone", "schedule") is { } written)
            {
                zoneId = written;
                zoneNode = SpecReader.Get(schedule, "timezone")!;
            }
        }
        else
        {
            text = reader.String(root, "schedule", "");
        }
        TimeZoneInfo? zone = null;
        try
        {
            zone = zoneId == "UTC" ? TimeZoneInfo.Utc : TimeZoneInfo.FindSystemTimeZoneById(zoneId);
        }
        catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            reader.Error(zoneNode, "schedule.timezone", $"'{zoneId}' is not a time zone this machine knows; use an IANA name such as Europe/Berlin or America/New_York");
        }
        if (text is null)
        {
            return null;
        }
        // Five fields, or six with seconds first.
        var format = text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length == 6 ? CronFormat.IncludeSeconds : CronFormat.Standard;
        try
        {
            var expression = CronExpression.Parse(text, format);
            return zone is null ? null : new ScheduleSpec(text, zoneId, expression, zone);
        }
        catch (CronFormatException e)
        {
            reader.Error(cronNode, path, $"'{text}' is not a cron expression (minute hour day-of-month month day-of-week, e.g. '*/15 * * * *'): {e.Message}");
            return null;
        }
    }

    private static ResourceSpec ReadResources(YamlMappingNode root, SpecReader reader)
    {
        var resources = reader.Mapping(SpecReader.Get(root, "resources"), "resources", ResourceKeys);
        var defaults = new ResourceSpec();
        return new ResourceSpec(
            reader.Int(resources, "batch_rows", "resources", 1, 10_000_000) ?? defaults.BatchRows,
            reader.ByteSize(resources, "batch_bytes", "resources") ?? defaults.BatchBytes,
            reader.Int(resources, "max_inflight_batches", "resources", 1, 1024) ?? defaults.MaxInflightBatches,
            reader.Int(resources, "parallel_streams", "resources", 1, 256) ?? defaults.ParallelStreams,
            reader.ByteSize(resources, "connector_memory", "resources") ?? defaults.ConnectorMemoryBytes,
            reader.Duration(resources, "connector_cpu_limit", "resources"));
    }

    private static NetworkSpec ReadNetwork(YamlMappingNode root, SpecReader reader)
    {
        var network = reader.Mapping(SpecReader.Get(root, "network"), "network", NetworkKeys);
        var allow = reader.StringList(network, "allow", "network") ?? [];
        for (var i = 0; i < allow.Count; i++)
        {
            try
            {
                NetworkPolicy.Allow(allow[i]);
            }
            catch (FormatException e)
            {
                reader.Error(SpecReader.Get(network, "allow")!, $"network.allow[{i}]", e.Message);
            }
        }
        return new NetworkSpec(allow);
    }
}
