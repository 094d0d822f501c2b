using Microsoft.Extensions.Logging;
using Orleans.Storage;
using Rapidbyte.Engine.Connectors;
using Rapidbyte.Grains.Api;
using Rapidbyte.Grains.Runs;
using Rapidbyte.Pipelines.Parsing;
using Rapidbyte.Pipelines.Spec;
using Rapidbyte.Runtime.Errors;

namespace Rapidbyte.Grains;

/// <summary>
/// A registered pipeline: its YAML stored as written, run on request and on its schedule.
/// <para>
/// The schedule fires from persisted state, not from reminder ticks, because Orleans repeats
/// ticks around membership changes and skips them while the cluster is down.
/// <see cref="PipelineState.NextOccurrence"/> is the earliest occurrence not yet handled;
/// whoever handles it stores the next one in the same write that stores the run it starts
/// (or the skip it records), with the state's ETag, so an occurrence starts at most one run
/// across the cluster, and all occurrences missed while no silo ran become one catch-up
/// run. A grain timer fires each occurrence on time; the reminder keeps the activation alive
/// and brings it back on another silo after its own was lost.
/// </para>
/// </summary>
public sealed partial class PipelineGrain
{
    private const string ScheduleReminderName = "rapidbyte-schedule";

    // The longest a grain timer may be set for (Orleans takes up to ~49 days); a later occurrence re-arms it.
    private static readonly TimeSpan LongestTimer = TimeSpan.FromDays(1);

    // The registration's schedule, read once per activation and registration.
    private ScheduleSpec? _schedule;
    private IGrainTimer? _occurrence;

    private bool Scheduled => _schedule is not null && state.State.Registration is { Paused: false };

    // Whether this silo fires it (a one-shot process's embedded silo never does).
    private bool Fires => Scheduled && engine.Options.FireSchedules;

    public Task<PipelineRegistration> RegisterAsync(string yaml, string file) => OnFreshStateAsync(() => RegisterOnceAsync(yaml, file));

    private async Task<PipelineRegistration> RegisterOnceAsync(string yaml, string file)
    {
        var spec = RegistrationRules.Check(Name, yaml, file, engine.Options.VariablePrefix);
        var pins = await PinConnectorsAsync(spec, file);
        // Against the schemas of the modules pinned. Its references' values are read only when
        // a run starts: here their keys are checked, not their values.
        if (await ConfigProblemsAsync(PipelineDefinitions.Pinned(spec, pins), referencesResolved: false) is { Count: > 0 } problems)
        {
            throw new PipelineRejectedException(Name, problems);
        }
        var current = state.State.Registration;
        if (current is not null && current.Yaml == yaml && current.File == file && current.Connectors.SequenceEqual(pins))
        {
            return Registration()!; // unchanged: same version
        }
        // Listed before it is stored: a listing may show a name whose registration then
        // failed (and skips it), never miss one that is registered.
        await GrainFactory.GetGrain<IPipelineCatalogGrain>(IPipelineCatalogGrain.Key).AddAsync(Name);
        var now = DateTimeOffset.UtcNow;
        var registration = current ?? new RegisteredPipeline { RegisteredAt = now };
        registration.Yaml = yaml;
        registration.File = file;
        registration.Connectors = pins;
        registration.Version++;
        registration.UpdatedAt = now;
        state.State.Registration = registration;
        var scheduleChanged = _schedule?.ToString() != spec.Schedule?.ToString();
        if (spec.Schedule is null || registration.Paused)
        {
            state.State.NextOccurrence = null;
        }
        else if (scheduleChanged || state.State.NextOccurrence is null)
        {
            state.State.NextOccurrence = spec.Schedule.NextAfter(now);
        }
        await WriteOrRereadAsync();
        _schedule = spec.Schedule;
        await ApplyScheduleAsync();
        LogRegistered(logger, Name, registration.Version, _schedule?.ToString() ?? "none");
        return Registration()!;
    }

    public Task<PipelineRegistration?> GetRegistrationAsync() => Task.FromResult(Registration());

    public Task<PipelineRegistration> PauseAsync() => OnFreshStateAsync(PauseOnceAsync);

    private async Task<PipelineRegistration> PauseOnceAsync()
    {
        var registration = state.State.Registration ?? throw new PipelineNotFoundException(Name);
        if (!registration.Paused)
        {
            registration.Paused = true;
            state.State.NextOccurrence = null;
            await WriteOrRereadAsync();
            await ApplyScheduleAsync();
        }
        return Registration()!;
    }

    public Task<PipelineRegistration> ResumeAsync() => OnFreshStateAsync(ResumeOnceAsync);

    private async Task<PipelineRegistration> ResumeOnceAsync()
    {
        var registration = state.State.Registration ?? throw new PipelineNotFoundException(Name);
        if (registration.Paused)
        {
            // The next occurrence from now: what came while paused is not caught up.
            registration.Paused = false;
            state.State.NextOccurrence = _schedule?.NextAfter(DateTimeOffset.UtcNow);
            await WriteOrRereadAsync();
            await ApplyScheduleAsync();
        }
        return Registration()!;
    }

    public Task DeleteAsync(bool clearState) => OnFreshStateAsync(async () =>
    {
        await DeleteOnceAsync(clearState);
        return true;
    });

    private async Task DeleteOnceAsync(bool clearState)
    {
        var registration = state.State.Registration ?? throw new PipelineNotFoundException(Name);
        await ThrowIfBusyAsync();
        if (clearState)
        {
            // Cursors first: if this fails half-way the pipeline is still registered, and deleting it again finishes.
            var streams = RegistrationRules.Unresolved(registration.Yaml, registration.File).Source.Streams;
            await Task.WhenAll(streams.Select(s => StreamOf(s.Name).ResetAsync()));
            state.State.History.Clear();
        }
        state.State.Registration = null;
        state.State.NextOccurrence = null;
        await WriteOrRereadAsync();
        _schedule = null;
        await ApplyScheduleAsync();
        await GrainFactory.GetGrain<IPipelineCatalogGrain>(IPipelineCatalogGrain.Key).RemoveAsync(Name);
        LogDeleted(logger, Name, clearState);
    }

    public async Task<PipelineRunReport> TriggerAsync(IReadOnlyList<string>? streams)
    {
        var registration = state.State.Registration ?? throw new PipelineNotFoundException(Name);
        await ThrowIfBusyAsync();
        return await StartRegisteredAsync(registration, streams, RunTrigger.Manual, scheduledFor: null, coalesced: 0);
    }

    public async Task<IReadOnlyList<StreamStatus>> GetStreamsAsync()
    {
        var names = RegisteredStreams();
        return await Task.WhenAll(names.Select(StatusOfAsync));
    }

    public async Task<StreamStatus> ResetStreamAsync(string stream)
    {
        var names = RegisteredStreams();
        if (!names.Contains(stream, StringComparer.Ordinal))
        {
            throw new ArgumentException($"pipeline {Name} has no stream named {stream}; its streams are {string.Join(", ", names)}");
        }
        await ThrowIfBusyAsync();
        await StreamOf(stream).ResetAsync();
        LogStreamReset(logger, Name, stream);
        return await StatusOfAsync(stream);
    }

    private IReadOnlyList<string> RegisteredStreams()
    {
        var registration = state.State.Registration ?? throw new PipelineNotFoundException(Name);
        return RegistrationRules.Unresolved(registration.Yaml, registration.File).Source.Streams.Select(s => s.Name).ToList();
    }

    private async Task<StreamStatus> StatusOfAsync(string stream)
    {
        var stored = await StreamOf(stream).GetStateAsync();
        return new StreamStatus(stream, stored.Cursor, stored.CursorCommittedAt, stored.LastRun, stored.Active is not null);
    }

    /// <summary>
    /// Starts a run of the registered YAML, its references resolved from this silo's
    /// environment (within the prefix). A variable that is not set, or a value its connector's
    /// config schema refuses, fails the run before it starts: recorded in the history with the
    /// variable's or the key's name, never its value.
    /// </summary>
    private async Task<PipelineRunReport> StartRegisteredAsync(
        RegisteredPipeline registration, IReadOnlyList<string>? streams, RunTrigger trigger, DateTimeOffset? scheduledFor, int coalesced)
    {
        var definition = Definition(registration);
        PipelineSpec? spec = null;
        IReadOnlyList<string> problems;
        try
        {
            spec = definition.Parse();
            problems = await ConfigProblemsAsync(spec, referencesResolved: true);
        }
        catch (PipelineSpecException e)
        {
            problems = e.Errors.Select(error => error.ToString()).ToList();
        }
        if (spec is null || problems.Count > 0)
        {
            var error = $"the run could not start on silo {Silo}: {string.Join("; ", problems)}";
            var failed = new PipelineRunReport(Name, NewRunId(), RunStatus.Failed, DateTimeOffset.UtcNow, TimeSpan.Zero, [],
                Trigger: trigger, ScheduledFor: scheduledFor, Error: error, Version: registration.Version, Coalesced: coalesced);
            AddToHistory(failed);
            await WriteAsync();
            LogNotStarted(logger, Name, failed.RunId, error);
            return failed;
        }
        return await StartAsync(definition, spec, streams, trigger, scheduledFor, registration.Version, coalesced);
    }

    /// <summary>Reads the registration's schedule (on activation) and sets the timer for its next occurrence.</summary>
    private void LoadSchedule()
    {
        if (state.State.Registration is not { } registration)
        {
            return;
        }
        try
        {
            _schedule = RegistrationRules.Unresolved(registration.Yaml, registration.File).Schedule;
        }
        catch (PipelineSpecException e)
        {
            // Registered by a version that read it differently: it stays registered, unscheduled, until registered again.
            LogUnreadable(logger, Name, string.Join("; ", e.Errors));
            _schedule = null;
        }
        ArmTimer();
    }

    // The reminder exists exactly while the pipeline is scheduled and not paused.
    private async Task ApplyScheduleAsync()
    {
        if (Scheduled)
        {
            var period = engine.Options.ScheduleCheckInterval;
            await this.RegisterOrUpdateReminder(ScheduleReminderName, period, period);
        }
        else if (await this.GetReminder(ScheduleReminderName) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }
        ArmTimer();
    }

    private void ArmTimer()
    {
        _occurrence?.Dispose();
        _occurrence = null;
        if (!Fires || state.State.NextOccurrence is not { } next)
        {
            return;
        }
        var due = next - DateTimeOffset.UtcNow;
        due = due < TimeSpan.Zero ? TimeSpan.Zero : due > LongestTimer ? LongestTimer : due;
        _occurrence = this.RegisterGrainTimer(FireDueAsync, new GrainTimerCreationOptions(due, Timeout.InfiniteTimeSpan));
    }

    private async Task OnScheduleTickAsync()
    {
        if (!Scheduled)
        {
            // Left over from a registration since removed or paused.
            if (await this.GetReminder(ScheduleReminderName) is { } reminder)
            {
                await this.UnregisterReminder(reminder);
            }
            return;
        }
        await FireDueAsync();
    }

    /// <summary>Handles the due occurrence, if one is: a run, or a skip when a run is going.</summary>
    private async Task FireDueAsync()
    {
        if (!Fires || state.State.NextOccurrence is not { } due || _schedule is not { } schedule)
        {
            return;
        }
        var now = DateTimeOffset.UtcNow;
        if (due > now)
        {
            ArmTimer(); // a timer cut short by LongestTimer, or a tick before the time
            return;
        }
        // Every occurrence up to now is handled as one: a catch-up run after downtime, never a burst.
        var latest = due;
        var coalesced = 0;
        while (schedule.NextAfter(latest) is { } later && later <= now && coalesced < 1_000_000)
        {
            latest = later;
            coalesced++;
        }
        await UntilEndedAsync(); // a run that ended before this occurrence came is not going
        if (_active is null && state.State.Active is not null)
        {
            // A stored run nobody here watches: take it over if its owner is gone (it is then
            // the run going, and this occurrence is skipped for it).
            await TryTakeOverAsync();
        }
        state.State.NextOccurrence = schedule.NextAfter(now);
        try
        {
            if (_active is not null || state.State.Active is not null)
            {
                var going = _active?.RunId ?? state.State.Active!.RunId;
                var skipped = new PipelineRunReport(Name, NewRunId(), RunStatus.Skipped, now, TimeSpan.Zero, [],
                    Trigger: RunTrigger.Schedule, ScheduledFor: latest, Error: $"run {going} of this pipeline was still going",
                    Version: state.State.Registration!.Version, Coalesced: coalesced);
                AddToHistory(skipped);
                await WriteAsync();
                LogSkipped(logger, Name, latest, going);
            }
            else
            {
                var started = await StartRegisteredAsync(state.State.Registration!, null, RunTrigger.Schedule, latest, coalesced);
                LogFired(logger, Name, latest, started.RunId, (now - latest).TotalMilliseconds, coalesced);
            }
        }
        catch (Exception e) when (e is InconsistentStateException or PipelineBusyException)
        {
            // Another activation or process wrote first (it handled this occurrence, or started
            // a run): what is stored now says what is left to do.
            if (e is InconsistentStateException)
            {
                await state.ReadStateAsync();
            }
        }
        catch (Exception e)
        {
            // The state database is away, say: nothing was stored, so the occurrence stays due
            // and the next tick tries again.
            LogFireFailed(logger, e, Name, latest);
            await ForgetUnstoredAsync();
        }
        ArmTimer();
    }

    private PipelineRegistration? Registration() => state.State.Registration is not { } registration ? null : new PipelineRegistration(
        Name, registration.Version, registration.Yaml, registration.File, registration.Paused, registration.RegisteredAt, registration.UpdatedAt,
        _schedule?.ToString(), Scheduled ? state.State.NextOccurrence : null, state.State.History.FirstOrDefault(), registration.Connectors);

    /// <summary>A run's definition of <paramref name="registration"/>: its variables from this silo, its connectors as pinned.</summary>
    private PipelineDefinition Definition(RegisteredPipeline registration) =>
        new(registration.Yaml, registration.File, SiloVariables(registration.Yaml), registration.Connectors);

    /// <summary>
    /// The modules the connectors of <paramref name="spec"/> name now, fetched and compiled here
    /// (so a registration that could not run is refused, and this silo is warm): the pins every
    /// run of the registration keeps until it is registered again.
    /// </summary>
    private async Task<List<ConnectorPin>> PinConnectorsAsync(PipelineSpec spec, string file)
    {
        var pins = new List<ConnectorPin>();
        var problems = new List<string>();
        foreach (var (use, path) in new[] { (spec.Source.Use, "source.use"), (spec.Destination.Use, "destination.use") })
        {
            try
            {
                var resolved = await engine.Connectors.ResolveAsync(use);
                await engine.Connectors.LoadAsync(resolved.Pinned.ToString());
                pins.Add(new ConnectorPin(use, resolved.Name, resolved.Version, resolved.Digest));
            }
            catch (Exception e) when (e is ConnectorNotFoundException or ConnectorException)
            {
                problems.Add($"{file}: {path}: {e.Message}");
            }
            catch (ConnectorRegistryException e)
            {
                throw new ConnectorFailedException(e.Message);
            }
        }
        return problems.Count == 0 ? pins : throw new PipelineRejectedException(Name, problems);
    }

    // A write that lost to another writer (a CLI's run of this pipeline, another silo) leaves
    // this activation with what is stored.
    private async Task WriteOrRereadAsync()
    {
        try
        {
            await WriteAsync();
        }
        catch (InconsistentStateException)
        {
            await state.ReadStateAsync();
            LoadSchedule();
            throw;
        }
    }

    // A change decided on state another process has changed since: decided again, once, on what is stored.
    private async Task<T> OnFreshStateAsync<T>(Func<Task<T>> change)
    {
        try
        {
            return await change();
        }
        catch (InconsistentStateException)
        {
            try
            {
                return await change();
            }
            catch (InconsistentStateException)
            {
                throw new InvalidOperationException($"pipeline {Name} was changed by another process at the same time; read it again and retry");
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "pipeline {Pipeline}: registered version {Version}, schedule {Schedule}")]
    private static partial void LogRegistered(ILogger logger, string pipeline, long version, string schedule);

    [LoggerMessage(Level = LogLevel.Information, Message = "pipeline {Pipeline}: stream {Stream} reset: its next run reads from the start")]
    private static partial void LogStreamReset(ILogger logger, string pipeline, string stream);

    [LoggerMessage(Level = LogLevel.Information, Message = "pipeline {Pipeline}: deleted (state cleared: {Cleared})")]
    private static partial void LogDeleted(ILogger logger, string pipeline, bool cleared);

    [LoggerMessage(Level = LogLevel.Information, Message = "pipeline {Pipeline}: occurrence {Occurrence:o} started run {RunId} after {LagMilliseconds:F0} ms ({Coalesced} earlier occurrences coalesced)")]
    private static partial void LogFired(ILogger logger, string pipeline, DateTimeOffset occurrence, string runId, double lagMilliseconds, int coalesced);

    [LoggerMessage(Level = LogLevel.Information, Message = "pipeline {Pipeline}: occurrence {Occurrence:o} skipped: run {RunId} was still going")]
    private static partial void LogSkipped(ILogger logger, string pipeline, DateTimeOffset occurrence, string runId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "pipeline {Pipeline}: run {RunId} could not start: {Reason}")]
    private static partial void LogNotStarted(ILogger logger, string pipeline, string runId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "pipeline {Pipeline}: the registered YAML no longer reads, so it is not scheduled: {Reason}")]
    private static partial void LogUnreadable(ILogger logger, string pipeline, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "pipeline {Pipeline}: occurrence {Occurrence:o} could not be handled; the next tick tries again")]
    private static partial void LogFireFailed(ILogger logger, Exception exception, string pipeline, DateTimeOffset occurrence);
}
