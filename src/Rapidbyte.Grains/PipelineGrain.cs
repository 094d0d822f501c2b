using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Orleans.Storage;
using Rapidbyte.Grains.Execution;
using Rapidbyte.Grains.Runs;
using Rapidbyte.Grains.State;
using Rapidbyte.Pipelines.Parsing;
using Rapidbyte.Pipelines.Spec;

namespace Rapidbyte.Grains;

/// <summary>
/// Runs a pipeline: one run at a time, its streams on their own grains, at most
/// <c>resources.parallel_streams</c> of them moving at once. The run itself is a loop on this
/// grain's scheduler that only awaits (stream grains do the work), so status and cancel
/// calls are answered between its steps.
/// <para>
/// Runs outlive the silo that started them. The run is stored before it starts
/// (<see cref="PipelineState.Active"/>) and its owner renews a lease on it. A stream whose
/// silo is lost is started again (its grain goes on from its last commit on another silo); a
/// pipeline grain that finds a stored run whose lease ran out (its silo is gone, woken by a
/// stream that stopped or by a reminder) takes the run over and sees it to its end. The lease
/// also keeps two processes sharing a state database (two CLIs, a CLI and the service) from
/// running one pipeline at once.
/// </para>
/// </summary>
public sealed partial class PipelineGrain(
    [PersistentState("pipeline", StateStorage.Name)] IPersistentState<PipelineState> state,
    PipelineEngine engine,
    ILocalSiloDetails localSilo,
    ILogger<PipelineGrain> logger) : Grain, IPipelineGrain, IRemindable
{
    private const string ReminderName = "rapidbyte-active-run";

    // Writes come from the run loop, the lease timer and calls, interleaved at their awaits:
    // one at a time, or they would conflict with each other's ETags.
    private readonly SemaphoreSlim _writes = new(1, 1);
    private PipelineRun? _active;
    private IGrainTimer? _lease;
    private IGrainTimer? _takeOver;
    private bool _runReminderMissing;

    private string Name => this.GetPrimaryKeyString();

    private string Silo => localSilo.SiloAddress.ToString();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (state.State.Active is not null)
        {
            await TryTakeOverAsync();
        }
        LoadSchedule();
    }

    public async Task<PipelineRunReport> StartRunAsync(PipelineDefinition definition, IReadOnlyList<string>? streams)
    {
        await ThrowIfBusyAsync();
        PipelineSpec spec;
        try
        {
            spec = definition.Parse();
        }
        catch (PipelineSpecException e)
        {
            // As the caller's problem, in a form that crosses the wire (a variable missing, say).
            throw new PipelineRejectedException(Name, e.Errors.Select(error => error.ToString()).ToList(), "run");
        }
        if (spec.Name != Name)
        {
            throw new ArgumentException($"the definition is of pipeline {spec.Name}, not {Name}");
        }
        if (await ConfigProblemsAsync(spec, referencesResolved: true) is { Count: > 0 } problems)
        {
            throw new PipelineRejectedException(Name, problems, "run");
        }
        return await StartAsync(definition, spec, streams, RunTrigger.Direct, scheduledFor: null, version: null);
    }

    // A run of this pipeline is going here or, stored, elsewhere (one whose owner is gone is taken over first).
    private async Task ThrowIfBusyAsync()
    {
        await UntilEndedAsync();
        if (_active is not null)
        {
            throw new PipelineBusyException($"pipeline {Name}", _active.RunId, runningHere: true);
        }
        if (state.State.Active is { } stored)
        {
            var takenOver = await TryTakeOverAsync();
            throw new PipelineBusyException($"pipeline {Name}", stored.RunId, takenOver ? null : $"{stored.Owner} since {stored.StartedAt:u}", takenOver);
        }
    }

    /// <summary>
    /// Stores a new run and starts it. Whatever else the caller changed in the state (a
    /// schedule's next occurrence) is stored in the same write: if another activation or
    /// process wrote first, neither is.
    /// </summary>
    /// <exception cref="PipelineBusyException">Another process stored a run of this pipeline first.</exception>
    private async Task<PipelineRunReport> StartAsync(
        PipelineDefinition definition, PipelineSpec spec, IReadOnlyList<string>? streams, RunTrigger trigger, DateTimeOffset? scheduledFor, long? version, int coalesced = 0)
    {
        var names = spec.Source.Streams.Select(s => s.Name).ToList();
        var chosen = streams is { Count: > 0 } ? streams : names;
        var unknown = chosen.Except(names, StringComparer.Ordinal).ToList();
        if (unknown.Count > 0)
        {
            throw new ArgumentException($"pipeline {Name} has no stream named {string.Join(", ", unknown)}; its streams are {string.Join(", ", names)}");
        }

        var now = DateTimeOffset.UtcNow;
        var record = new PipelineRunRecord
        {
            RunId = NewRunId(),
            StartedAt = now,
            Streams = names.Where(chosen.Contains).ToList(),
            File = definition.File,
            Owner = Silo,
            RenewedAt = now,
            Trigger = trigger,
            ScheduledFor = scheduledFor,
            Version = version,
            Coalesced = coalesced,
        };
        // The YAML is stored only when it holds no secret: the values of its ${NAME}
        // references stay in memory, and a silo taking the run up reads its own.
        var literals = SecretLiterals.Find(definition.Yaml);
        if (literals.Count == 0)
        {
            record.Yaml = definition.Yaml;
        }
        else
        {
            record.NotResumable = $"its pipeline holds literal secrets ({string.Join(", ", literals)}), which are never stored; " +
                "write them as ${NAME} references to have a run taken up on another silo";
        }
        state.State.Active = record;
        try
        {
            await WriteAsync();
        }
        catch (InconsistentStateException)
        {
            // Another process wrote this pipeline's state since this activation read it.
            await state.ReadStateAsync();
            if (state.State.Active is { } stored)
            {
                // It started a run first.
                throw new PipelineBusyException($"pipeline {Name}", stored.RunId);
            }
            if (trigger == RunTrigger.Schedule)
            {
                // What the occurrence changed is gone with the stale state: the schedule decides again from what is stored.
                throw;
            }
            // A run of it elsewhere that has ended (a CLI's, a server's): start from what is stored now.
            LoadSchedule();
            return await StartAsync(definition, spec, streams, trigger, scheduledFor, version, coalesced);
        }
        catch
        {
            // Not stored (the state database is away): this activation must not believe it was.
            await ForgetUnstoredAsync();
            throw;
        }
        // Stored: from here on the run starts whatever else fails.
        await TryRegisterRunReminderAsync();
        Begin(new PipelineRun(Name, record), definition, spec.Resources.ParallelStreams);
        return _active!.Snapshot();
    }

    /// <summary>
    /// After a write that failed for another reason than a conflict: the state in memory is
    /// put back to what is stored, or, if that cannot be read either, this activation goes
    /// away so that the next one reads it.
    /// </summary>
    private async Task ForgetUnstoredAsync()
    {
        try
        {
            await state.ReadStateAsync();
            LoadSchedule();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            DeactivateOnIdle();
        }
    }

    private static string NewRunId() => Guid.NewGuid().ToString("N")[..12];

    // Newest first, as long as the settings allow.
    private void AddToHistory(PipelineRunReport report)
    {
        var history = state.State.History;
        history.Insert(0, report);
        if (history.Count > engine.Options.RunHistoryLength)
        {
            history.RemoveRange(engine.Options.RunHistoryLength, history.Count - engine.Options.RunHistoryLength);
        }
    }

    public Task<PipelineRunReport?> GetRunAsync(string runId) => Task.FromResult(
        _active?.RunId == runId ? _active.Snapshot()
        : state.State.Active is { } stored && stored.RunId == runId ? PipelineRun.Report(Name, stored, RunStatus.Running)
        : state.State.History.FirstOrDefault(r => r.RunId == runId));

    public async Task<PipelineRunReport?> WaitForRunAsync(string runId, TimeSpan maxWait)
    {
        if (_active is { } run && run.RunId == runId)
        {
            await RunWait.UntilDoneOr(run.Completion, maxWait);
        }
        return await GetRunAsync(runId);
    }

    public Task<PipelineRunReport?> GetActiveRunAsync() => Task.FromResult(
        _active?.Snapshot() ?? (state.State.Active is { } stored ? PipelineRun.Report(Name, stored, RunStatus.Running) : null));

    public Task<IReadOnlyList<PipelineRunReport>> GetHistoryAsync() => Task.FromResult<IReadOnlyList<PipelineRunReport>>(state.State.History.ToList());

    public async Task CancelRunAsync(string runId)
    {
        if (_active is { } run && run.RunId == runId)
        {
            await CancelAsync(run);
        }
        else if (state.State.Active is { } stored && stored.RunId == runId)
        {
            // Run by an owner elsewhere: its streams stop, and it sees them end.
            await Task.WhenAll(stored.Streams.Select(s => StreamOf(s).CancelAsync(runId)));
        }
    }

    public async Task StreamStoppedAsync(string runId)
    {
        if (_active is null && state.State.Active?.RunId == runId)
        {
            await TryTakeOverAsync();
        }
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName == ScheduleReminderName)
        {
            await OnScheduleTickAsync();
            return;
        }
        if (reminderName != ReminderName)
        {
            return;
        }
        if (state.State.Active is null)
        {
            if (await this.GetReminder(ReminderName) is { } reminder)
            {
                await this.UnregisterReminder(reminder);
            }
            return;
        }
        await TryTakeOverAsync();
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        // The silo is stopping: the run is not cancelled; the lease is given up so that the
        // next activation (woken by a stream, or the reminder) takes it over at once.
        _lease?.Dispose();
        _takeOver?.Dispose();
        _occurrence?.Dispose();
        if (_active is { Lost: false } run && state.State.Active?.RunId == run.RunId)
        {
            run.Lost = true;
            state.State.Active.Owner = "";
            state.State.Active.RenewedAt = DateTimeOffset.MinValue;
            try
            {
                await WriteAsync();
                LogHandedOver(logger, Name, run.RunId, reason.Description);
            }
            catch (Exception e) when (e is InconsistentStateException or OrleansException or TimeoutException)
            {
                // Not released: the lease runs out instead.
            }
        }
    }

    /// <summary>Takes over the stored run if no one holds its lease any more; true if this activation now runs it.</summary>
    private async Task<bool> TryTakeOverAsync()
    {
        if (_active is not null || state.State.Active is not { } record)
        {
            return false;
        }
        var expires = record.RenewedAt + engine.Options.RunLeaseTimeout;
        var now = DateTimeOffset.UtcNow;
        if (record.Owner.Length > 0 && expires > now)
        {
            // Still someone's: look again when the lease would run out.
            _takeOver?.Dispose();
            _takeOver = this.RegisterGrainTimer(async () => await TryTakeOverAsync(), new GrainTimerCreationOptions(expires - now + TimeSpan.FromMilliseconds(200), Timeout.InfiniteTimeSpan) { Interleave = true });
            return false;
        }
        var reason = record.Owner.Length == 0 ? "its silo stopped and handed it over" : $"its owner {record.Owner} stopped renewing its lease";
        record.Resumes.Add(new RunResume(now, Silo, null, reason));
        record.Owner = Silo;
        record.RenewedAt = now;
        try
        {
            await WriteAsync();
        }
        catch (InconsistentStateException)
        {
            await state.ReadStateAsync(); // someone else took it over first
            return false;
        }
        LogTakenOver(logger, Name, record.RunId, reason);
        await TryRegisterRunReminderAsync();
        var definition = new PipelineDefinition(record.Yaml ?? "", record.File, SiloVariables(record.Yaml ?? ""));
        var parallel = 1;
        try
        {
            parallel = definition.Parse().Resources.ParallelStreams;
        }
        catch (PipelineSpecException)
        {
            // Each stream that has to start again reports the problem (a variable missing here, say).
        }
        Begin(new PipelineRun(Name, record), definition, parallel);
        return true;
    }

    // The silo's own values for the run's ${NAME} references, within the allowed prefix.
    private Dictionary<string, string> SiloVariables(string yaml)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (Match reference in VariableReference().Matches(yaml))
        {
            var name = reference.Groups[1].Value;
            if (name.StartsWith(engine.Options.VariablePrefix, StringComparison.Ordinal) && Environment.GetEnvironmentVariable(name) is { } value)
            {
                values[name] = value;
            }
        }
        return values;
    }

    [GeneratedRegex(@"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")]
    private static partial Regex VariableReference();

    /// <summary>
    /// Waits out the bookkeeping of a run that has ended (its record being stored, its
    /// reminder removed), so that what comes after its end is not refused or skipped for it.
    /// </summary>
    private async Task UntilEndedAsync()
    {
        if (_active is { Ending: true } ending)
        {
            await ending.Completion;
        }
    }

    private void Begin(PipelineRun run, PipelineDefinition definition, int parallelStreams)
    {
        _active = run;
        _takeOver?.Dispose();
        var renewal = engine.Options.RunLeaseTimeout / 4;
        _lease = this.RegisterGrainTimer(() => RenewLeaseAsync(run), new GrainTimerCreationOptions(renewal, renewal) { Interleave = true });
        run.Completion = RunAsync(run, definition, parallelStreams);
    }

    /// <summary>
    /// The reminder that finds this run again if its owner is lost. The silo holding it may
    /// itself be just lost (its range not yet taken over): the run goes on, and each lease
    /// renewal tries again until it is registered.
    /// </summary>
    private async Task TryRegisterRunReminderAsync()
    {
        try
        {
            await this.RegisterOrUpdateReminder(ReminderName, engine.Options.RunCheckInterval, engine.Options.RunCheckInterval);
            _runReminderMissing = false;
        }
        catch (Exception e) when (e is OrleansException or TimeoutException or Npgsql.NpgsqlException)
        {
            _runReminderMissing = true;
            LogReminderNotRegistered(logger, e, Name);
        }
    }

    private async Task RenewLeaseAsync(PipelineRun run)
    {
        if (run.Lost || state.State.Active?.RunId != run.RunId)
        {
            return;
        }
        if (_runReminderMissing)
        {
            await TryRegisterRunReminderAsync();
        }
        state.State.Active.RenewedAt = DateTimeOffset.UtcNow;
        try
        {
            await WriteAsync();
        }
        catch (InconsistentStateException)
        {
            // Someone else owns the run now (this silo was paused past the lease): let them.
            run.Lost = true;
            LogLost(logger, Name, run.RunId);
        }
        catch (Exception e) when (e is OrleansException or TimeoutException or Npgsql.NpgsqlException)
        {
            // The state database is away; the next renewal tries again.
            LogLeaseNotRenewed(logger, e, Name, run.RunId);
        }
    }

    // Streams not started yet see the token; running ones are told at once (their watch
    // loops below wait on them, not on the token). Unknown run ids are ignored by the grain.
    private Task CancelAsync(PipelineRun run)
    {
        run.Cancellation.Cancel();
        return Task.WhenAll(run.Streams.Select(s => StreamOf(s.Stream).CancelAsync(run.RunId)));
    }

    private IStreamGrain StreamOf(string stream) => GrainFactory.GetGrain<IStreamGrain>(StreamKey.Of(Name, stream));

    private async Task RunAsync(PipelineRun run, PipelineDefinition definition, int parallelStreams)
    {
        using (var turns = new SemaphoreSlim(parallelStreams))
        {
            await Task.WhenAll(run.Streams.Select((_, index) => RunStreamAsync(run, index, definition, turns)));
        }
        _lease?.Dispose();
        _lease = null;
        if (run.Lost)
        {
            _active = null;
            run.Dispose();
            return;
        }
        run.Ending = true;
        var outcome = run.Snapshot(finished: true);
        AddToHistory(outcome);
        state.State.Active = null;
        try
        {
            await WriteAsync();
            if (await this.GetReminder(ReminderName) is { } reminder)
            {
                await this.UnregisterReminder(reminder);
            }
        }
        catch (Exception e)
        {
            // The streams' own state (cursors) is already stored; the reminder finds the run again.
            LogHistoryNotSaved(logger, e, outcome.Pipeline, outcome.RunId);
        }
        _active = null;
        run.Dispose();
    }

    private async Task RunStreamAsync(PipelineRun run, int index, PipelineDefinition definition, SemaphoreSlim turns)
    {
        var name = run.Streams[index].Stream;
        try
        {
            await turns.WaitAsync(run.Cancellation.Token);
        }
        catch (OperationCanceledException)
        {
            run.Streams[index] = run.Streams[index] with { Status = RunStatus.Cancelled, Error = "the run was cancelled before this stream started" };
            return;
        }
        try
        {
            var grain = StreamOf(name);
            var unreachableSince = (DateTime?)null;
            while (!run.Lost)
            {
                StreamRunReport? report;
                try
                {
                    report = await grain.WaitForRunAsync(run.RunId, engine.Options.ProgressInterval);
                    unreachableSince = null;
                    if (report is null)
                    {
                        if (run.Record.Yaml is null && run.Record.Resumes.Count > 0)
                        {
                            // Taken over, and this stream must start again, but the YAML was not stored.
                            var reason = $"the stream could not be taken up again: {run.Record.NotResumable}";
                            await grain.AbandonAsync(run.RunId, reason);
                            run.Streams[index] = run.Streams[index] with { Status = RunStatus.Failed, Error = reason };
                            return;
                        }
                        // Not started, or its activation is gone (lost silo, drain): it goes on from its last commit.
                        await grain.StartAsync(run.RunId, definition);
                        if (run.Cancellation.IsCancellationRequested)
                        {
                            // Cancelled while this stream was starting: the cancel may have reached its grain before the start.
                            await grain.CancelAsync(run.RunId);
                        }
                        continue;
                    }
                }
                catch (Exception e) when (IsSiloLoss(e))
                {
                    // The stream's silo is gone or going: once the cluster has declared it dead,
                    // the next call activates the stream elsewhere, and it resumes.
                    unreachableSince ??= DateTime.UtcNow;
                    if (DateTime.UtcNow - unreachableSince > TimeSpan.FromMinutes(5))
                    {
                        throw;
                    }
                    await Task.Delay(TimeSpan.FromSeconds(1));
                    continue;
                }
                // Nothing calls this grain while a run goes unattended; keep it (and its run) alive.
                DelayDeactivation(TimeSpan.FromMinutes(2));
                run.Streams[index] = report;
                if (report.Status.IsFinished())
                {
                    return;
                }
            }
        }
        catch (Exception e)
        {
            run.Streams[index] = run.Streams[index] with { Status = RunStatus.Failed, Error = e.Message };
        }
        finally
        {
            turns.Release();
        }
    }

    private static bool IsSiloLoss(Exception e) =>
        e is SiloUnavailableException or OrleansMessageRejectionException or TimeoutException;

    private async Task WriteAsync()
    {
        await _writes.WaitAsync();
        try
        {
            await state.WriteStateAsync();
        }
        finally
        {
            _writes.Release();
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "pipeline {Pipeline}: the history entry of run {RunId} could not be saved")]
    private static partial void LogHistoryNotSaved(ILogger logger, Exception exception, string pipeline, string runId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "pipeline {Pipeline}: run {RunId} taken over here because {Reason}")]
    private static partial void LogTakenOver(ILogger logger, string pipeline, string runId, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "pipeline {Pipeline}: run {RunId} handed over for another silo to take up ({Reason})")]
    private static partial void LogHandedOver(ILogger logger, string pipeline, string runId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "pipeline {Pipeline}: run {RunId} was taken over by another owner; this silo stops watching it")]
    private static partial void LogLost(ILogger logger, string pipeline, string runId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "pipeline {Pipeline}: the reminder that finds its run after a loss could not be registered yet; the run goes on and it is tried again")]
    private static partial void LogReminderNotRegistered(ILogger logger, Exception exception, string pipeline);

    [LoggerMessage(Level = LogLevel.Warning, Message = "pipeline {Pipeline}: the lease on run {RunId} could not be renewed")]
    private static partial void LogLeaseNotRenewed(ILogger logger, Exception exception, string pipeline, string runId);
}
