namespace Rapidbyte.Grains.Tests;

/// <summary>Waits for a run to get somewhere, failing the test if it never does.</summary>
internal static class Eventually
{
    public static async Task WhenAsync(Func<Task<bool>> condition, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the run never got that far");
            await Task.Delay(20);
        }
    }
}
