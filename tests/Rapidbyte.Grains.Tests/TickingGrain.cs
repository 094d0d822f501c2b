namespace Rapidbyte.Grains.Tests;

public interface ITickingGrain : IGrainWithStringKey
{
    Task StartAsync(TimeSpan period);

    Task StopAsync();

    Task<int> TicksAsync();
}

/// <summary>A grain with a reminder, to see reminders fire end to end.</summary>
public sealed class TickingGrain : Grain, ITickingGrain, IRemindable
{
    public const string ReminderName = "tick";

    private int _ticks;

    public async Task StartAsync(TimeSpan period) => await this.RegisterOrUpdateReminder(ReminderName, period, period);

    public async Task StopAsync()
    {
        var reminder = await this.GetReminder(ReminderName);
        if (reminder is not null)
        {
            await this.UnregisterReminder(reminder);
        }
    }

    public Task<int> TicksAsync() => Task.FromResult(_ticks);

    public Task ReceiveReminder(string reminderName, TickStatus status)
    {
        _ticks++;
        return Task.CompletedTask;
    }
}
