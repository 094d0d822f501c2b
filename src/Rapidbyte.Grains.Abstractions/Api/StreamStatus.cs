using Rapidbyte.Grains.Runs;

namespace Rapidbyte.Grains.Api;

/// <summary>Where one stream of a pipeline stands between runs.</summary>
/// <param name="Stream">The stream's name.</param>
/// <param name="Cursor">The committed cursor its next incremental run starts from, as the source connector wrote it (JSON); null for none.</param>
/// <param name="CursorCommittedAt">When the cursor last moved (UTC).</param>
/// <param name="LastRun">Its part of the latest finished run.</param>
/// <param name="Running">Whether a run of it is going now.</param>
[GenerateSerializer, Immutable, Alias("rapidbyte.stream-status")]
public sealed record StreamStatus(string Stream, string? Cursor, DateTimeOffset? CursorCommittedAt, StreamRunReport? LastRun, bool Running);
