using System.Net;
using System.Net.Http.Json;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Rapidbyte.Grains.Api;
using Rapidbyte.Grains.Runs;

namespace Rapidbyte.Client;

/// <summary>
/// The Rapidbyte API over HTTP. Made by <see cref="Microsoft.Extensions.DependencyInjection.RapidbyteClientServiceCollectionExtensions.AddRapidbyteClient"/>
/// (dependency injection) or <see cref="Create"/>; its <see cref="HttpClient"/> carries the
/// token, retries what is safe to repeat and moves to the next endpoint when one is lost.
/// </summary>
public sealed class RapidbyteClient : IRapidbyteClient, IDisposable
{
    private readonly HttpClient _http;
    private readonly RapidbyteClientOptions _options;
    private readonly bool _ownsHttp;

    /// <summary>A client over <paramref name="http"/>, which <see cref="Microsoft.Extensions.DependencyInjection.RapidbyteClientServiceCollectionExtensions.AddRapidbyteClient"/> configured.</summary>
    public RapidbyteClient(HttpClient http, RapidbyteClientOptions options)
        : this(http, options, ownsHttp: false)
    {
    }

    private RapidbyteClient(HttpClient http, RapidbyteClientOptions options, bool ownsHttp)
    {
        options.Validate();
        _http = http;
        _options = options;
        _ownsHttp = ownsHttp;
        _http.BaseAddress ??= options.Endpoints[0];
    }

    /// <summary>A client without dependency injection (a tool, a script); dispose it when done.</summary>
    public static RapidbyteClient Create(RapidbyteClientOptions options)
    {
        options.Validate();
        return new RapidbyteClient(new HttpClient(RapidbyteHttp.Handlers(options, new SocketsHttpHandler())), options, ownsHttp: true);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<PipelineRegistration>> ListPipelinesAsync(CancellationToken cancellationToken = default) =>
        SendAsync<IReadOnlyList<PipelineRegistration>>(HttpMethod.Get, "v1/pipelines", null, retryable: true, cancellationToken);

    /// <inheritdoc />
    public Task<PipelineRegistration> GetPipelineAsync(string name, CancellationToken cancellationToken = default) =>
        SendAsync<PipelineRegistration>(HttpMethod.Get, Pipeline(name), null, retryable: true, cancellationToken);

    /// <inheritdoc />
    public Task<PipelineRegistration> RegisterPipelineAsync(string name, string yaml, string? file = null, CancellationToken cancellationToken = default) =>
        // Registering the same YAML again changes nothing: safe to repeat.
        SendAsync<PipelineRegistration>(HttpMethod.Put, Pipeline(name) + (file is null ? "" : $"?file={Uri.EscapeDataString(file)}"),
            new StringContent(yaml, Encoding.UTF8, "application/yaml"), retryable: true, cancellationToken);

    /// <inheritdoc />
    public Task DeletePipelineAsync(string name, bool clearState = false, CancellationToken cancellationToken = default) =>
        SendAsync<object>(HttpMethod.Delete, Pipeline(name) + (clearState ? "?clear_state=true" : ""), null, retryable: false, cancellationToken);

    /// <inheritdoc />
    public Task<PipelineRegistration> PausePipelineAsync(string name, CancellationToken cancellationToken = default) =>
        SendAsync<PipelineRegistration>(HttpMethod.Post, Pipeline(name) + "/pause", null, retryable: true, cancellationToken);

    /// <inheritdoc />
    public Task<PipelineRegistration> ResumePipelineAsync(string name, CancellationToken cancellationToken = default) =>
        SendAsync<PipelineRegistration>(HttpMethod.Post, Pipeline(name) + "/resume", null, retryable: true, cancellationToken);

    /// <inheritdoc />
    public Task<PipelineRunReport> TriggerRunAsync(string name, IReadOnlyList<string>? streams = null, CancellationToken cancellationToken = default) =>
        SendAsync<PipelineRunReport>(HttpMethod.Post, Pipeline(name) + "/runs",
            JsonContent.Create(new TriggerRequest(streams), ApiJson.TypeInfo<TriggerRequest>()), retryable: false, cancellationToken);

    /// <inheritdoc />
    public Task<PipelineRunReport> StartRunAsync(RunRequest request, CancellationToken cancellationToken = default) =>
        SendAsync<PipelineRunReport>(HttpMethod.Post, "v1/runs", JsonContent.Create(request, ApiJson.TypeInfo<RunRequest>()), retryable: false, cancellationToken);

    /// <inheritdoc />
    public Task<PipelineRunReport> GetRunAsync(string name, string runId, CancellationToken cancellationToken = default) =>
        SendAsync<PipelineRunReport>(HttpMethod.Get, Run(name, runId), null, retryable: true, cancellationToken);

    /// <inheritdoc />
    public Task<RunPage> ListRunsAsync(string name, int limit = 20, string? after = null, CancellationToken cancellationToken = default) =>
        SendAsync<RunPage>(HttpMethod.Get, $"{Pipeline(name)}/runs?limit={limit}{(after is null ? "" : $"&after={Uri.EscapeDataString(after)}")}", null, retryable: true, cancellationToken);

    /// <inheritdoc />
    public Task CancelRunAsync(string name, string runId, CancellationToken cancellationToken = default) =>
        SendAsync<object>(HttpMethod.Post, Run(name, runId) + "/cancel", null, retryable: true, cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<ConnectorCheck>> CheckPipelineAsync(string name, CancellationToken cancellationToken = default) =>
        SendAsync<IReadOnlyList<ConnectorCheck>>(HttpMethod.Post, Pipeline(name) + "/check", null, retryable: true, cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<Contracts.StreamSchema>> DiscoverStreamsAsync(string name, CancellationToken cancellationToken = default) =>
        SendAsync<IReadOnlyList<Contracts.StreamSchema>>(HttpMethod.Get, Pipeline(name) + "/discover", null, retryable: true, cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<StreamStatus>> GetStreamsAsync(string name, CancellationToken cancellationToken = default) =>
        SendAsync<IReadOnlyList<StreamStatus>>(HttpMethod.Get, Pipeline(name) + "/streams", null, retryable: true, cancellationToken);

    /// <inheritdoc />
    public Task<StreamStatus> ResetStreamAsync(string name, string stream, CancellationToken cancellationToken = default) =>
        SendAsync<StreamStatus>(HttpMethod.Post, $"{Pipeline(name)}/streams/{Uri.EscapeDataString(stream)}/reset", null, retryable: true, cancellationToken);

    /// <inheritdoc />
    public async IAsyncEnumerable<PipelineRunReport> WatchRunAsync(string name, string runId, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var lostSince = (DateTime?)null;
        while (true)
        {
            PipelineRunReport? last = null;
            await using var enumerator = ReadEventsAsync(Run(name, runId) + "/events", cancellationToken).GetAsyncEnumerator(cancellationToken);
            while (true)
            {
                try
                {
                    if (!await enumerator.MoveNextAsync())
                    {
                        break;
                    }
                }
                catch (Exception e) when (IsLostConnection(e, cancellationToken))
                {
                    // The silo serving the watch went away: watch again (the next endpoint, if it is gone).
                    lostSince ??= DateTime.UtcNow;
                    if (DateTime.UtcNow - lostSince > _options.WatchReconnectTimeout)
                    {
                        throw;
                    }
                    break;
                }
                lostSince = null;
                last = enumerator.Current;
                yield return last;
                if (last.Status.IsFinished())
                {
                    yield break;
                }
            }
            await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken);
        }
    }

    /// <inheritdoc />
    public async Task<PipelineRunReport> WaitForRunAsync(string name, string runId, CancellationToken cancellationToken = default)
    {
        PipelineRunReport? last = null;
        await foreach (var run in WatchRunAsync(name, runId, cancellationToken))
        {
            last = run;
        }
        return last!;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_ownsHttp)
        {
            _http.Dispose();
        }
    }

    private async IAsyncEnumerable<PipelineRunReport> ReadEventsAsync(string path, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Accept.ParseAdd("text/event-stream");
        RapidbyteHttp.MarkRetryable(request);
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        await ThrowIfErrorAsync(response, cancellationToken);
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        await foreach (var item in SseParser.Create(body, (type, data) => type == "run" ? JsonSerializer.Deserialize(data, ApiJson.TypeInfo<PipelineRunReport>()) : null)
            .EnumerateAsync(cancellationToken))
        {
            if (item.Data is { } run)
            {
                yield return run;
            }
        }
    }

    private async Task<T> SendAsync<T>(HttpMethod method, string path, HttpContent? content, bool retryable, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        if (retryable)
        {
            RapidbyteHttp.MarkRetryable(request);
        }
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken);
        await ThrowIfErrorAsync(response, cancellationToken);
        if (typeof(T) == typeof(object) || response.StatusCode == HttpStatusCode.NoContent)
        {
            return default!;
        }
        return await response.Content.ReadFromJsonAsync(ApiJson.TypeInfo<T>(), cancellationToken)
            ?? throw new RapidbyteApiException(new RapidbyteProblem((int)response.StatusCode, "empty answer", $"{method} {path} answered without a body"));
    }

    private static async Task ThrowIfErrorAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }
        RapidbyteProblem? problem = null;
        if (response.Content.Headers.ContentType?.MediaType is "application/problem+json" or "application/json")
        {
            try
            {
                problem = await response.Content.ReadFromJsonAsync(ProblemJson.Default.RapidbyteProblem, cancellationToken);
            }
            catch (JsonException)
            {
                // Not a problem body after all (a proxy's page): the status says it.
            }
        }
        problem ??= new RapidbyteProblem((int)response.StatusCode, response.ReasonPhrase, null);
        throw RapidbyteApiException.For(problem with { Status = (int)response.StatusCode });
    }

    // The connection broke, no endpoint answered, or the API was between silos (5xx): worth watching again.
    private static bool IsLostConnection(Exception e, CancellationToken cancellationToken) =>
        !cancellationToken.IsCancellationRequested
        && e is HttpRequestException or IOException or OperationCanceledException or RapidbyteApiException { Problem.Status: >= 500 };

    private static string Pipeline(string name) => $"v1/pipelines/{Uri.EscapeDataString(name)}";

    private static string Run(string name, string runId) => $"{Pipeline(name)}/runs/{Uri.EscapeDataString(runId)}";
}
