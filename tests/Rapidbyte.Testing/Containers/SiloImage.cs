using System.Diagnostics;

namespace Rapidbyte.Testing.Containers;

/// <summary>
/// The service's container image, built from the checkout's Dockerfile on local stand-ins for its
/// base images (scripts/docker-base-images.sh: no image registry is reachable here).
/// </summary>
public static class SiloImage
{
    /// <summary>The tag the image is built as.</summary>
    public const string Tag = "rapidbyte-silo:test";

    /// <summary>
    /// Makes the stand-ins (kept once made), then builds the image (cached layers reused unless
    /// <paramref name="noCache"/>); how long each took.
    /// </summary>
    public static async Task<(TimeSpan BaseImages, TimeSpan Image)> BuildAsync(DockerEngine docker, bool noCache = false)
    {
        var clock = Stopwatch.StartNew();
        var baseImages = (await DockerEngine.RunWithEngineAsync(Path.Combine(RepositoryPaths.Root, "scripts", "docker-base-images.sh"), RepositoryPaths.Root))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var baseImagesTime = clock.Elapsed;
        clock.Restart();
        List<string> arguments = ["build", "--network", "host", "--progress", "plain", "-t", Tag];
        if (noCache)
        {
            arguments.Add("--no-cache");
        }
        foreach (var baseImage in baseImages)
        {
            arguments.AddRange(["--build-arg", baseImage]);
        }
        arguments.Add(RepositoryPaths.Root);
        await docker.RunAsync(arguments, new Dictionary<string, string> { ["DOCKER_BUILDKIT"] = "1" });
        return (baseImagesTime, clock.Elapsed);
    }

    /// <summary>The image's size in bytes, as <c>docker image inspect</c> reports it.</summary>
    public static async Task<long> SizeAsync(DockerEngine docker) =>
        long.Parse(await docker.RunAsync(["image", "inspect", "--format", "{{.Size}}", Tag]), System.Globalization.CultureInfo.InvariantCulture);
}
