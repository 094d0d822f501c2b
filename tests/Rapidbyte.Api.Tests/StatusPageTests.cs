using System.Globalization;
using Microsoft.Playwright;
using Rapidbyte.Testing.Pipelines;
using Xunit.Abstractions;

namespace Rapidbyte.Api.Tests;

/// <summary>The status page in headless Chromium (Debian's), as an on-call engineer opens it, with a reader's token.</summary>
[Collection("api")]
public sealed class StatusPageTests(ApiCluster cluster, ITestOutputHelper output) : IClassFixture<ApiCluster>
{
    [Fact]
    public async Task The_status_page_asks_for_a_token_then_shows_a_runs_rows_growing_and_its_final_status()
    {
        // About 6 s to read in batches of 1,000 rows, so the page sees it move.
        await cluster.Databases.ExecuteAsync(PipelineDatabases.Source, "CREATE VIEW paced AS SELECT * FROM events WHERE pace(id) AND pace(id) AND pace(id)");
        var admin = cluster.Client("platform", ApiCluster.Admin);
        await admin.RegisterPipelineAsync("paced", cluster.Yaml("paced", "- {name: paced, sync_mode: full_refresh}", "replace", resources: "batch_rows: 1000"));

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            // No sandbox as root; no background traffic off this machine.
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
        var page = await browser.NewPageAsync();
        var errors = new List<string>();
        page.Console += (_, message) =>
        {
            // The first call, before the token, is answered 401 and the browser says so; nothing else may fail.
            if (message.Type == "error" && !message.Text.Contains("status of 401", StringComparison.Ordinal))
            {
                errors.Add(message.Text);
            }
        };
        await page.GotoAsync($"http://127.0.0.1:{cluster.Silos[0].HttpPort}/status?pipeline=paced");

        // No token yet: the page asks for one and shows no data.
        await page.Locator("#token-form").WaitForAsync();
        Assert.True(await page.Locator("#content").IsHiddenAsync());
        await page.Locator("#token-input").FillAsync(cluster.Issuer.Issue("on-call", ApiCluster.Reader));
        await page.Locator("#token-form button").ClickAsync();
        await page.Locator("#pipelines tr[data-pipeline=paced]").WaitForAsync();

        var run = await cluster.Client("scheduler", ApiCluster.Operator).TriggerRunAsync("paced");
        await page.Locator("#run-id", new() { HasText = run.RunId }).WaitForAsync(new() { Timeout = 15_000 });
        var seen = new List<long>();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        string status;
        do
        {
            await Task.Delay(250);
            seen.Add(long.Parse(await page.Locator("#run-rows").InnerTextAsync(), CultureInfo.InvariantCulture));
            status = await page.Locator("#run-status").InnerTextAsync();
        }
        while (status != "succeeded" && status != "failed" && DateTime.UtcNow < deadline);
        // Rows are read before the status: an update between the two readings leaves the last
        // rows reading one refresh behind the final status (CI: 19,000 then "succeeded").
        seen.Add(long.Parse(await page.Locator("#run-rows").InnerTextAsync(), CultureInfo.InvariantCulture));
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Path.GetTempPath(), "rapidbyte-status-page.png"), FullPage = true });
        output.WriteLine($"rows seen: {string.Join(", ", seen.Distinct())}");

        Assert.Equal("succeeded", status);
        var moving = seen.Where(r => r is > 0 and < 20_000).Distinct().ToList();
        Assert.True(moving.Count >= 2, $"rows seen while the run moved: {string.Join(", ", seen.Distinct())}");
        Assert.Equal(moving.Order(), moving);
        Assert.Equal(20_000, seen[^1]);
        await page.Locator("#history td", new() { HasText = run.RunId }).WaitForAsync(new() { Timeout = 10_000 });
        Assert.Contains("succeeded", await page.Locator("#pipelines tr[data-pipeline=paced]").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Empty(errors);
    }
}
