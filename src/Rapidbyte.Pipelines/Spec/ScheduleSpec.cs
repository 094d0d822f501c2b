using Cronos;

namespace Rapidbyte.Pipelines.Spec;

/// <summary>
/// When a registered pipeline runs by itself: a cron expression (five fields, or six with
/// seconds first) read in a time zone. Daylight-saving changes are handled as Cronos
/// documents: a time skipped by a spring-forward runs at the moment the clocks jump; a time
/// repeated by a fall-back runs once (at its first instance), while an interval schedule
/// (<c>*/15 * * * *</c>) goes on firing through both instances.
/// </summary>
/// <param name="Cron">The expression as written.</param>
/// <param name="TimeZone">The IANA time zone as written (<c>Europe/Berlin</c>); UTC when none was given.</param>
public sealed record ScheduleSpec(string Cron, string TimeZone, CronExpression Expression, TimeZoneInfo Zone)
{
    /// <summary>The first occurrence strictly after <paramref name="after"/>; null if there is none (a date that never comes).</summary>
    public DateTimeOffset? NextAfter(DateTimeOffset after) => Expression.GetNextOccurrence(after, Zone, inclusive: false);

    /// <summary>The schedule in one line, as messages and listings show it.</summary>
    public override string ToString() => TimeZone == "UTC" ? Cron : $"{Cron} ({TimeZone})";
}
