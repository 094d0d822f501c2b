using Cronos;

namespace Rapidbyte.Pipelines.Spec;

/// <summary>When the pipeline runs by itself: a five-field cron expression, in UTC.</summary>
public sealed record ScheduleSpec(string Cron, CronExpression Expression);
