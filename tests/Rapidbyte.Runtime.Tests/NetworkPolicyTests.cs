using Rapidbyte.Contracts;

namespace Rapidbyte.Runtime.Tests;

public sealed class NetworkPolicyTests
{
    [Fact]
    public void Entries_allow_exactly_their_host_and_port()
    {
        var policy = NetworkPolicy.Allow("db.internal:5432", "127.0.0.1", "[::1]:6000");

        Assert.True(policy.IsAllowed("DB.internal", 5432));
        Assert.False(policy.IsAllowed("db.internal", 5433));
        Assert.True(policy.IsAllowed("127.0.0.1", 1));
        Assert.True(policy.IsAllowed("::1", 6000));
        Assert.False(policy.IsAllowed("::1", 6001));
        Assert.False(policy.IsAllowed("10.0.0.1", 5432));
        Assert.False(NetworkPolicy.DenyAll.IsAllowed("127.0.0.1", 5432));
    }

    [Theory]
    [InlineData("db:0")]
    [InlineData("db:70000")]
    [InlineData(":5432")]
    [InlineData("db:port")]
    [InlineData("[::1")]
    public void Malformed_entries_are_rejected_with_the_entry_in_the_message(string entry)
    {
        var error = Assert.Throws<FormatException>(() => NetworkPolicy.Allow(entry));

        Assert.Contains(entry, error.Message);
    }
}
