using Microsoft.Extensions.Logging;

namespace Rapidbyte.Runtime.Imports;

/// <summary>The runtime's log messages, defined once (source-generated, no boxing on the hot path).</summary>
internal static partial class RuntimeLog
{
    [LoggerMessage(EventId = 1, Message = "{Connector}: {Message}")]
    public static partial void LogGuestMessage(this ILogger logger, LogLevel level, string connector, string message);

    [LoggerMessage(EventId = 2, Level = LogLevel.Error, Message = "{Connector}: host import {Import} failed")]
    public static partial void LogImportFailure(this ILogger logger, string connector, string import, Exception exception);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "connector {Connector} ({Digest}) {How} in {Milliseconds:F1} ms")]
    public static partial void LogModuleLoaded(this ILogger logger, string connector, string digest, string how, double milliseconds);

    [LoggerMessage(EventId = 4, Level = LogLevel.Warning, Message = "compiled-code cache entry {Path} could not be used; compiling again")]
    public static partial void LogCacheEntryRejected(this ILogger logger, string path, Exception exception);

    [LoggerMessage(EventId = 5, Level = LogLevel.Warning, Message = "compiled-code cache entry {Path} could not be written ({Reason}); the connector runs as compiled, and is compiled again by the next process")]
    public static partial void LogCacheNotWritten(this ILogger logger, string path, string reason);
}
