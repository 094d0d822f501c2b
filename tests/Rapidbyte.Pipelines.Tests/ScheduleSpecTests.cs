using Rapidbyte.Pipelines.Parsing;
using Rapidbyte.Pipelines.Spec;

namespace Rapidbyte.Pipelines.Tests;

public sealed class ScheduleSpecTests
{
    private const string Head = """
        version: 1
        pipeline: p
        source: {use: s, streams: [{name: t}]}
        destination: {use: d}

        """;

    [Fact]
    public void The_plain_string_form_is_cron_in_utc()
    {
        var schedule = Parse(Head + "schedule: \"0 2 * * *\"").Schedule!;

        Assert.Equal("UTC", schedule.TimeZone);
        Assert.Equal(At("2026-12-04T02:00:00Z"), schedule.NextAfter(At("2026-12-03T18:00:00Z")));
    }

    [Fact]
    public void The_mapping_form_reads_the_cron_in_its_time_zone()
    {
        var schedule = Parse(Head + "schedule: {cron: \"0 2 * * *\", timezone: Europe/Berlin}").Schedule!;

        Assert.Equal("0 2 * * * (Europe/Berlin)", schedule.ToString());
        // 02:00 in Berlin in winter (UTC+1) is 01:00 UTC.
        Assert.Equal(At("2026-12-04T01:00:00Z"), schedule.NextAfter(At("2026-12-03T18:00:00Z")));
    }

    [Fact]
    public void Six_fields_have_seconds_first()
    {
        var schedule = Parse(Head + "schedule: \"*/5 * * * * *\"").Schedule!;

        Assert.Equal(At("2026-12-03T18:00:05Z"), schedule.NextAfter(At("2026-12-03T18:00:01Z")));
    }

    // Cronos' documented rules: a time skipped by spring-forward fires at the moment the clocks
    // jump; a time repeated by fall-back fires once, at its first instance, unless the
    // expression is an interval (then both instances fire).
    [Theory]
    // Berlin springs forward on 2026-03-29 at 02:00 CET (01:00 UTC) to 03:00 CEST.
    [InlineData("Europe/Berlin", "30 2 * * *", "2026-03-28T12:00:00Z", "2026-03-29T01:00:00Z")]
    // It falls back on 2026-10-25 at 03:00 CEST (01:00 UTC) to 02:00 CET: 02:30 happens at 00:30 and 01:30 UTC.
    [InlineData("Europe/Berlin", "30 2 * * *", "2026-10-24T12:00:00Z", "2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z")]
    [InlineData("Europe/Berlin", "*/30 2 * * *", "2026-10-25T00:15:00Z", "2026-10-25T00:30:00Z", "2026-10-25T01:00:00Z", "2026-10-25T01:30:00Z")]
    // New York springs forward on 2026-03-08 at 02:00 EST (07:00 UTC) to 03:00 EDT.
    [InlineData("America/New_York", "30 2 * * *", "2026-03-07T12:00:00Z", "2026-03-08T07:00:00Z", "2026-03-09T06:30:00Z")]
    // It falls back on 2026-11-01 at 02:00 EDT (06:00 UTC) to 01:00 EST: 01:30 happens at 05:30 and 06:30 UTC.
    [InlineData("America/New_York", "30 1 * * *", "2026-10-31T12:00:00Z", "2026-11-01T05:30:00Z", "2026-11-02T06:30:00Z")]
    [InlineData("America/New_York", "*/30 1 * * *", "2026-11-01T05:15:00Z", "2026-11-01T05:30:00Z", "2026-11-01T06:00:00Z", "2026-11-01T06:30:00Z")]
    public void Daylight_saving_changes_follow_cronos(string zone, string cron, string from, params string[] expected)
    {
        var schedule = Parse(Head + $"schedule: {{cron: \"{cron}\", timezone: {zone}}}").Schedule!;

        var next = new List<DateTimeOffset>();
        var at = At(from);
        foreach (var _ in expected)
        {
            at = schedule.NextAfter(at)!.Value;
            next.Add(at.ToUniversalTime());
        }

        Assert.Equal(expected.Select(At), next);
    }

    [Fact]
    public void An_unknown_time_zone_and_a_bad_cron_are_reported_where_they_are_written()
    {
        var errors = Errors(Head + "schedule:\n  cron: \"0 25 * * *\"\n  timezone: Mars/Olympus\n  every: day\n");

        Assert.Equal(3, errors.Count);
        Assert.StartsWith("pipeline.yaml:6:9 schedule.cron: '0 25 * * *' is not a cron expression", errors[0]);
        Assert.Equal("pipeline.yaml:7:13 schedule.timezone: 'Mars/Olympus' is not a time zone this machine knows; use an IANA name such as Europe/Berlin or America/New_York", errors[1]);
        Assert.Equal("pipeline.yaml:8:3 schedule.every: unknown key 'every'; expected one of: cron, timezone", errors[2]);
    }

    private static PipelineSpec Parse(string yaml) => PipelineSpecParser.Parse(yaml, "pipeline.yaml", _ => null);

    private static List<string> Errors(string yaml) =>
        Assert.Throws<PipelineSpecException>(() => Parse(yaml)).Errors.Select(e => e.ToString()).ToList();

    private static DateTimeOffset At(string text) => DateTimeOffset.Parse(text, System.Globalization.CultureInfo.InvariantCulture);
}
