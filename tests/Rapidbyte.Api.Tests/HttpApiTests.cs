using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Rapidbyte.Api.Tests;

/// <summary>The API as any HTTP caller meets it: who is let in, and what a bad request gets back.</summary>
[Collection("api")]
public sealed class HttpApiTests(ApiCluster cluster) : IClassFixture<ApiCluster>
{
    [Fact]
    public async Task Only_a_valid_token_of_the_issuer_for_this_api_gets_in_and_each_role_only_does_what_it_may()
    {
        var issuer = cluster.Issuer;
        var yaml = cluster.Yaml("guarded", "- {name: items, sync_mode: full_refresh}");
        using (var admin = cluster.Http(issuer.Issue("platform", ApiCluster.Admin)))
        {
            Assert.Equal(HttpStatusCode.Created, (await admin.PutAsync("v1/pipelines/guarded", Yaml(yaml))).StatusCode);
        }

        // Who is refused, with a problem body that says no more than that.
        foreach (var (token, why) in new[]
        {
            ((string?)null, "no token"),
            (issuer.IssueExpired("late", ApiCluster.Admin), "expired"),
            (issuer.IssueForged("mallory", ApiCluster.Admin), "signed by another key"),
            (issuer.IssueForAudience("api://another-api", "confused", ApiCluster.Admin), "for another audience"),
            ("not-a-jwt", "not a token"),
        })
        {
            using var http = cluster.Http(token);
            var response = await http.GetAsync("v1/pipelines");
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{why}: {response.StatusCode} {body}");
            AssertPlainProblem(response, body, 401);
        }

        using var reader = cluster.Http(issuer.Issue("analyst", ApiCluster.Reader));
        using var operatorHttp = cluster.Http(issuer.Issue("on-call", ApiCluster.Operator));
        using var noRole = cluster.Http(issuer.Issue("stranger"));
        Assert.Equal(HttpStatusCode.OK, (await reader.GetAsync("v1/pipelines/guarded")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await reader.GetAsync("openapi/v1.json")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await noRole.GetAsync("v1/pipelines")).StatusCode);
        var readerTriggers = await reader.PostAsync("v1/pipelines/guarded/runs", null);
        AssertPlainProblem(readerTriggers, await readerTriggers.Content.ReadAsStringAsync(), 403);
        var operatorRegisters = await operatorHttp.PutAsync("v1/pipelines/guarded", Yaml(yaml));
        AssertPlainProblem(operatorRegisters, await operatorRegisters.Content.ReadAsStringAsync(), 403);
        Assert.Equal(HttpStatusCode.Forbidden, (await operatorHttp.DeleteAsync("v1/pipelines/guarded")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await operatorHttp.PostAsync("v1/pipelines/guarded/pause", null)).StatusCode);

        // Health is for probes, without a token; the OpenAPI document is not.
        using var anonymous = cluster.Http();
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("health/live")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("openapi/v1.json")).StatusCode);
    }

    [Fact]
    public async Task Bad_requests_get_their_status_and_a_problem_saying_what_to_fix()
    {
        using var admin = cluster.Http(cluster.Issuer.Issue("platform", ApiCluster.Admin));

        // Malformed YAML: every problem with file:line:column.
        var malformed = await admin.PutAsync("v1/pipelines/broken?file=broken.yaml", Yaml("version: \"1\"\npipeline: broken\nsource: {use: source-postgres, streams: [}\n"));
        var malformedProblem = await ProblemOf(malformed, 400);
        Assert.Contains(malformedProblem.GetProperty("errors").EnumerateArray(), e => e.GetString()!.StartsWith("broken.yaml:3:", StringComparison.Ordinal));

        // A literal password is refused, naming the key, never echoing the value.
        var literal = await admin.PutAsync("v1/pipelines/literal", Yaml(cluster.Databases.PipelineYaml("literal", "- {name: items, sync_mode: full_refresh}")));
        var literalBody = await literal.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.BadRequest, literal.StatusCode);
        Assert.Contains("password", literalBody, StringComparison.Ordinal);
        Assert.DoesNotContain(cluster.Databases.Server.Password, literalBody, StringComparison.Ordinal);

        // A key the connector does not take: where it is written and what the connector takes.
        var misspelt = cluster.Yaml("misspelt", "- {name: items, sync_mode: full_refresh}").Replace("schema: public}", "schema: public, hots: db}", StringComparison.Ordinal);
        var misspeltProblem = await ProblemOf(await admin.PutAsync("v1/pipelines/misspelt?file=misspelt.yaml", Yaml(misspelt)), 400);
        Assert.Equal(2, misspeltProblem.GetProperty("errors").GetArrayLength());
        Assert.All(misspeltProblem.GetProperty("errors").EnumerateArray(), e => Assert.Matches(
            @"^misspelt\.yaml:(5|10):\d+ (source|destination)\.config\.hots: unknown key 'hots' \((source|dest)-postgres accepts: .*\); did you mean 'host'\?$", e.GetString()));

        // Unknown pipeline, unknown run.
        await ProblemOf(await admin.GetAsync("v1/pipelines/nothing-here"), 404);
        await ProblemOf(await admin.PostAsync("v1/pipelines/nothing-here/runs", null), 404);
        await ProblemOf(await admin.GetAsync("v1/pipelines/nothing-here/runs/0123456789ab"), 404);

        // A second trigger while a run goes: 409 naming the run.
        Assert.Equal(HttpStatusCode.Created, (await admin.PutAsync("v1/pipelines/busy", Yaml(cluster.Yaml("busy", "- {name: slow_events, sync_mode: full_refresh}", "replace")))).StatusCode);
        var started = await admin.PostAsync("v1/pipelines/busy/runs", null);
        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        var runId = (await started.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("run_id").GetString()!;
        Assert.EndsWith($"/v1/pipelines/busy/runs/{runId}", started.Headers.Location!.ToString(), StringComparison.Ordinal);
        var conflict = await ProblemOf(await admin.PostAsync("v1/pipelines/busy/runs", null), 409);
        Assert.Equal(runId, conflict.GetProperty("run_id").GetString());
        await admin.PostAsync($"v1/pipelines/busy/runs/{runId}/cancel", null);

        // A body over the limit (1 MiB) is cut off with 413.
        var huge = await admin.PutAsync("v1/pipelines/huge", Yaml("# " + new string('x', 1100 * 1024)));
        await ProblemOf(huge, 413);

        // A stream the pipeline does not have; a page size out of range.
        await ProblemOf(await admin.PostAsync("v1/pipelines/busy/streams/nope/reset", null), 400);
        await ProblemOf(await admin.GetAsync("v1/pipelines/busy/runs?limit=1000"), 400);
    }

    [Fact]
    public async Task A_caller_over_its_rate_is_answered_429_while_another_caller_is_served()
    {
        using var flood = cluster.Http(cluster.Issuer.Issue("flooder", ApiCluster.Reader));
        using var other = cluster.Http(cluster.Issuer.Issue("neighbour", ApiCluster.Reader));

        // The default burst is 100 requests, then 50 a second: flood until refused, then the
        // neighbour asks at once, while the flooder's bucket is empty.
        var responses = new List<HttpResponseMessage>();
        for (var round = 0; round < 10 && !responses.Any(r => r.StatusCode == HttpStatusCode.TooManyRequests); round++)
        {
            responses.AddRange(await Task.WhenAll(Enumerable.Range(0, 60).Select(_ => flood.GetAsync("v1/pipelines"))));
        }
        var neighbour = await Task.WhenAll(Enumerable.Range(0, 10).Select(async _ => (await other.GetAsync("v1/pipelines")).StatusCode));

        var limited = responses.First(r => r.StatusCode == HttpStatusCode.TooManyRequests);
        Assert.True(responses.Count(r => r.StatusCode == HttpStatusCode.OK) >= 100, $"{responses.Count(r => r.StatusCode == HttpStatusCode.OK)} served before the limit");
        Assert.NotNull(limited.Headers.RetryAfter);
        AssertPlainProblem(limited, await limited.Content.ReadAsStringAsync(), 429);
        Assert.All(neighbour, status => Assert.Equal(HttpStatusCode.OK, status));
        responses.ForEach(r => r.Dispose());
    }

    private static StringContent Yaml(string yaml) => new(yaml, Encoding.UTF8, "application/yaml");

    private static async Task<JsonElement> ProblemOf(HttpResponseMessage response, int status)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == status, $"expected {status}, got {(int)response.StatusCode}: {body}");
        AssertPlainProblem(response, body, status);
        return JsonSerializer.Deserialize<JsonElement>(body);
    }

    // A problem-details body with its status and nothing of the service's insides.
    private static void AssertPlainProblem(HttpResponseMessage response, string body, int status)
    {
        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(status, JsonSerializer.Deserialize<JsonElement>(body).GetProperty("status").GetInt32());
        foreach (var inside in new[] { "Exception", "   at ", "IDX", "Orleans", "Npgsql", "StackTrace", ".cs:line" })
        {
            Assert.DoesNotContain(inside, body, StringComparison.Ordinal);
        }
    }
}
