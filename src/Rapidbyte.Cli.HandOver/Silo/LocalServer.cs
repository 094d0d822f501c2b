using Rapidbyte.Pipelines.Spec;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Rapidbyte.Cli.Silo;

/// <summary>
/// The local server <c>rapidbyte serve</c> started, as it records itself in
/// <see cref="File"/> while it runs: where its API is, its process, and where it keeps state.
/// <c>rapidbyte run</c> hands a pipeline to it only when the pipeline's state is kept in the
/// same place, so a stream goes on from the same cursor whichever way it runs.
/// </summary>
/// <param name="Url">Its API (loopback).</param>
/// <param name="Pid">Its process.</param>
/// <param name="State">Where it keeps state (<c>StateConnection.Identity</c>).</param>
internal sealed record LocalServer(
    [property: JsonPropertyName("url")] string Url,
    [property: JsonPropertyName("pid")] int Pid,
    [property: JsonPropertyName("state")] string State)
{
    /// <summary><c>$XDG_DATA_HOME/rapidbyte/server.json</c>, else <c>~/.local/share/rapidbyte/server.json</c>.</summary>
    public static string File => Path.Combine(StateConnection.DataDirectory, "server.json");

    /// <summary>The server recorded, if its process is still running; a record left by one that died is ignored.</summary>
    public static LocalServer? Find()
    {
        try
        {
            var server = JsonSerializer.Deserialize(System.IO.File.ReadAllText(File), LocalServerJson.Default.LocalServer);
            return server is not null && IsRunning(server.Pid) ? server : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            return null;
        }
    }

    /// <summary>Records this server (readable by its user only).</summary>
    /// <exception cref="IOException">The record cannot be written; the message names it and why.</exception>
    public void Write()
    {
        var temporary = $"{File}.{Pid}";
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(File)!);
            var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }
            using (var stream = new FileStream(temporary, options))
            {
                JsonSerializer.Serialize(stream, this, LocalServerJson.Default.LocalServer);
            }
            System.IO.File.Move(temporary, File, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"it cannot record itself in {File} (where XDG_DATA_HOME, else ~/.local/share, says), which `rapidbyte run` reads to find it: {e.Message}", e);
        }
    }

    /// <summary>Removes the record if it is still this server's.</summary>
    public void Remove()
    {
        try
        {
            if (JsonSerializer.Deserialize(System.IO.File.ReadAllText(File), LocalServerJson.Default.LocalServer)?.Pid == Pid)
            {
                System.IO.File.Delete(File);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            // Gone already, or another server's now.
        }
    }

    private static bool IsRunning(int pid) => Directory.Exists($"/proc/{pid}");
}

/// <summary>
/// Generated (de)serialization of the record: <c>rapidbyte run</c> reads it first thing, and by
/// reflection that would emit and compile accessors before the run could be handed over.
/// </summary>
[JsonSerializable(typeof(LocalServer))]
internal sealed partial class LocalServerJson : JsonSerializerContext;
