namespace Rapidbyte.Contracts;

/// <summary>How a stream is read.</summary>
public enum SyncMode
{
    /// <summary>Every row, every run.</summary>
    FullRefresh,
    /// <summary>Only rows past the last checkpointed cursor.</summary>
    Incremental,
}
