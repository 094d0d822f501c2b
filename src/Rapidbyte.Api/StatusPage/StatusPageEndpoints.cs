using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Rapidbyte.Api.StatusPage;

/// <summary>
/// The status page at <c>/status</c>: plain HTML, CSS and JavaScript built into this assembly
/// (no build toolchain). The files are a shell with no data in them, so they are served
/// without a token; everything the page shows it reads from <c>/v1</c> with the viewer's token,
/// under the same roles as any caller.
/// </summary>
internal static class StatusPageEndpoints
{
    private static readonly (string Path, string Resource, string ContentType)[] Files =
    [
        ("/status", "status.html", "text/html; charset=utf-8"),
        ("/status/status.js", "status.js", "text/javascript; charset=utf-8"),
        ("/status/status.css", "status.css", "text/css; charset=utf-8"),
    ];

    public static void Map(IEndpointRouteBuilder endpoints)
    {
        foreach (var (path, resource, contentType) in Files)
        {
            var content = Read(resource);
            endpoints.MapGet(path, (HttpContext http) =>
            {
                // Its own scripts and styles only, and calls to this origin only.
                http.Response.Headers.ContentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
                http.Response.Headers.XContentTypeOptions = "nosniff";
                http.Response.Headers.CacheControl = "no-cache";
                return Results.Bytes(content, contentType);
            }).AllowAnonymous().ExcludeFromDescription();
        }
    }

    private static byte[] Read(string name)
    {
        using var stream = typeof(StatusPageEndpoints).Assembly.GetManifestResourceStream($"StatusPage.{name}")
            ?? throw new InvalidOperationException($"the status page's {name} is not built into {typeof(StatusPageEndpoints).Assembly.GetName().Name}");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
