using System.Text.Json;
using Rapidbyte.Contracts;
using Rapidbyte.Runtime.Batches;
using Rapidbyte.Runtime.Errors;
using Rapidbyte.Runtime.State;

namespace Rapidbyte.Runtime.Instances;

// The contract's operations, typed: input built and output parsed as wit/LOWERING.md says.
public sealed partial class ConnectorInstance
{
    /// <summary>Who the connector is and what it supports.</summary>
    public async Task<ConnectorSpec> SpecAsync(CancellationToken cancellationToken = default) =>
        Parse<ConnectorSpec>(await RunAsync(ConnectorOperation.Spec, "{}", ConnectorRunContext.None, cancellationToken).ConfigureAwait(false));

    /// <summary>Whether the connector can reach and use what <paramref name="config"/> describes.</summary>
    public async Task<CheckResult> CheckAsync(JsonElement config, CancellationToken cancellationToken = default) =>
        Parse<CheckResult>(await RunAsync(ConnectorOperation.Check, Input(config, null), ConnectorRunContext.None, cancellationToken).ConfigureAwait(false));

    /// <summary>The streams the source offers.</summary>
    public async Task<IReadOnlyList<StreamSchema>> DiscoverAsync(JsonElement config, CancellationToken cancellationToken = default) =>
        Parse<List<StreamSchema>>(await RunAsync(ConnectorOperation.Discover, Input(config, null), ConnectorRunContext.None, cancellationToken).ConfigureAwait(false));

    /// <summary>
    /// Reads <paramref name="stream"/> into <paramref name="output"/>. The channel is completed
    /// when the read succeeds and failed otherwise, so its reader never mistakes a partial stream
    /// for a complete one.
    /// </summary>
    public async Task<StreamSummary> ReadAsync(
        JsonElement config, StreamRequest stream, BatchChannel output,
        Action<ConnectorCheckpoint>? onCheckpoint = null, CancellationToken cancellationToken = default)
    {
        var run = new ConnectorRunContext { Output = output, OnCheckpoint = onCheckpoint };
        try
        {
            var summary = Parse<StreamSummary>(await RunAsync(ConnectorOperation.Read, Input(config, stream), run, cancellationToken).ConfigureAwait(false));
            output.Complete();
            return summary;
        }
        catch (Exception e)
        {
            output.Fail(Describe(e, "the source"));
            throw;
        }
    }

    /// <summary>
    /// Writes the batches of <paramref name="input"/> into <paramref name="stream"/>. When the
    /// write fails the channel is failed too, so the source stops instead of waiting for room.
    /// </summary>
    /// <param name="sourceCheckpoint">
    /// Answers the destination's <c>source-checkpoint</c>: the source checkpoint covering exactly
    /// the first N batches, or null.
    /// </param>
    public async Task<StreamSummary> WriteAsync(
        JsonElement config, StreamRequest stream, BatchChannel input,
        Action<ConnectorCheckpoint>? onCheckpoint = null, CancellationToken cancellationToken = default,
        Func<long, string?>? sourceCheckpoint = null)
    {
        var run = new ConnectorRunContext { Input = input, OnCheckpoint = onCheckpoint, SourceCheckpoint = sourceCheckpoint };
        try
        {
            return Parse<StreamSummary>(await RunAsync(ConnectorOperation.Write, Input(config, stream), run, cancellationToken).ConfigureAwait(false));
        }
        catch (Exception e)
        {
            input.Fail(Describe(e, "the destination"));
            throw;
        }
    }

    /// <summary>
    /// Destination: the commit marker its writes keep for <paramref name="stream"/> (named by
    /// its <see cref="StreamRequest.Marker"/>), or null when it has none yet.
    /// </summary>
    public async Task<CommitMarker?> CommittedAsync(JsonElement config, StreamRequest stream, CancellationToken cancellationToken = default)
    {
        var output = await RunAsync(ConnectorOperation.Committed, Input(config, stream), ConnectorRunContext.None, cancellationToken).ConfigureAwait(false);
        return output.Trim() == "null" ? null : Parse<CommitMarker>(output);
    }

    /// <summary>Lets the connector say goodbye to its servers; call it last.</summary>
    public Task CloseAsync(CancellationToken cancellationToken = default) =>
        RunAsync(ConnectorOperation.Close, "{}", ConnectorRunContext.None, cancellationToken);

    private static string Input(JsonElement config, StreamRequest? stream)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WritePropertyName("config");
            config.WriteTo(writer);
            if (stream is not null)
            {
                writer.WritePropertyName("stream");
                JsonSerializer.Serialize(writer, stream, ContractJson.Options);
            }
            writer.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    private T Parse<T>(string json)
    {
        try
        {
            return JsonSerializer.Deserialize<T>(json, ContractJson.Options) ?? throw new JsonException("null");
        }
        catch (JsonException e)
        {
            throw ConnectorException.ForFault(Name, ConnectorFault.ProtocolViolation,
                $"the connector's output is not a valid {typeof(T).Name}: {e.Message}");
        }
    }

    private static ConnectorError Describe(Exception exception, string side) => exception switch
    {
        ConnectorException c => c.Error with { Message = $"{side} failed: {c.Error.Message}" },
        OperationCanceledException => new ConnectorError(ErrorCategory.Internal, $"{side} was cancelled"),
        _ => new ConnectorError(ErrorCategory.Internal, $"{side} failed: {exception.Message}"),
    };
}
