using CapitalFlows.Operations;
using Npgsql;

namespace CapitalFlows.Tests;

/// <summary>
/// The service's pooled connections prepare their statements and go back to the pool without a reset, and a bulk
/// command's connections have large buffers, unless the connection string says otherwise.
/// </summary>
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

    [Fact]
    public void A_bulk_commands_connections_read_and_write_through_buffers_of_64_kB()
    {
        var applied = new NpgsqlConnectionStringBuilder(PooledConnections.ForBulk("Host=db;Database=capitalflows;Username=app"));

        Assert.Equal((65_536, 65_536), (applied.ReadBufferSize, applied.WriteBufferSize));
        Assert.Equal(("db", "capitalflows", "app"), (applied.Host, applied.Database, applied.Username));
    }

    [Theory]
    [InlineData("Host=db;Read Buffer Size=16384;Write Buffer Size=16384")]
    [InlineData("Host=db;ReadBufferSize=16384;WriteBufferSize=16384")]
    public void A_connection_string_that_sets_its_buffers_keeps_them_for_bulk_commands(string connectionString)
    {
        var applied = new NpgsqlConnectionStringBuilder(PooledConnections.ForBulk(connectionString));

        Assert.Equal((16_384, 16_384), (applied.ReadBufferSize, applied.WriteBufferSize));
    }
}
