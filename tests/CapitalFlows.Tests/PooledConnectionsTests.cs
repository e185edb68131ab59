using CapitalFlows.Operations;
using Npgsql;

namespace CapitalFlows.Tests;

/// <summary>The service's pooled connections prepare their statements and go back to the pool without a reset, unless the connection string says otherwise.</summary>
public sealed class PooledConnectionsTests
{
    [Fact]
    public void A_connection_string_that_says_nothing_gets_prepared_statements_and_no_reset_on_close()
    {
        var applied = new NpgsqlConnectionStringBuilder(PooledConnections.Apply("Host=db;Database=capitalflows;Username=app"));

        Assert.Equal((PooledConnections.DefaultMaxAutoPrepare, 2, true), (applied.MaxAutoPrepare, applied.AutoPrepareMinUsages, applied.NoResetOnClose));
        Assert.Equal(("db", "capitalflows", "app"), (applied.Host, applied.Database, applied.Username));
    }

    [Theory]
    [InlineData("Host=db;Max Auto Prepare=0;No Reset On Close=false")]
    [InlineData("Host=db;MaxAutoPrepare=0;NoResetOnClose=false")]
    public void A_connection_string_that_sets_them_keeps_its_own(string connectionString)
    {
        var applied = new NpgsqlConnectionStringBuilder(PooledConnections.Apply(connectionString));

        Assert.Equal((0, false), (applied.MaxAutoPrepare, applied.NoResetOnClose));
    }
}
