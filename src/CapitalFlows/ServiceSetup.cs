using System.Text.Json.Serialization;
using CapitalFlows.Api;
using CapitalFlows.Approvals;
using CapitalFlows.Engine;
using CapitalFlows.EventLog;
using CapitalFlows.EventLog.Chain;
using CapitalFlows.Funds;
using CapitalFlows.Funds.ReadingHistory;
using CapitalFlows.EventLog.LocalityIndex;
using CapitalFlows.Loans;
using CapitalFlows.Loans.ReadingCreditQuality;
using CapitalFlows.Localities;
using CapitalFlows.Localities.Merging;
using CapitalFlows.National.ReadingDailyCapital;
using CapitalFlows.Operations;
using CapitalFlows.Periods;
using CapitalFlows.Programmes;
using CapitalFlows.Reading;
using CapitalFlows.Security;
using CapitalFlows.WebConsole;
using JasperFx;
using JasperFx.CodeGeneration;
using JasperFx.Events;
using JasperFx.Events.Projections;
using JasperFx.OpenTelemetry;
using Marten;
using Scalar.AspNetCore;
using Wolverine;
using Wolverine.Http;
using Wolverine.Marten;

namespace CapitalFlows;

/// <summary>Host wiring: the event store, the command pipeline, security and the API surface.</summary>
public static class ServiceSetup
{
    /// <summary>The private cluster that <c>deploy/run.sh</c> starts, used in Development when no connection string is set.</summary>
    public const string WolverineServiceName = "capitalflows";

    public const string LocalDevelopmentDatabase = "Host=127.0.0.1;Port=5433;Database=capitalflows;Username=postgres";

    /// <param name="checkSignInSettings">false for the commands that serve no requests (a misconfigured <c>Auth</c> section would only matter when serving).</param>
    public static void AddCapitalFlows(this WebApplicationBuilder builder, bool checkSignInSettings = true)
    {
        var connectionString = builder.Configuration.GetConnectionString("CapitalFlows")
            ?? (builder.Environment.IsDevelopment()
                ? LocalDevelopmentDatabase
                : throw new InvalidOperationException("Set ConnectionStrings__CapitalFlows to the PostgreSQL database."));

        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(LocalityDirectory.LoadEmbedded());
        builder.Services.AddHostedService<LocalityStructureRefresher>();
        builder.Services.AddSingleton(ProgrammeCatalogue.LoadEmbedded());
        builder.Services.AddSingleton<CommandArrivals>();
        builder.Services.AddSingleton<MovementRecorder>();
        // Commands:MaxInFlight against the pool, Commands:LockTimeoutSeconds against the command timeout: fail at start, not per request.
        _ = CommandLimits.From(builder.Configuration, connectionString);
        builder.Services.AddSingleton<ClosedPeriods>();
        // Four eyes: a malformed Approvals:ThresholdVnd stops the start here, not at the first command.
        FourEyes.ThresholdOf(builder.Configuration);
        builder.Services.AddSingleton<CommandServices>();
        builder.Services.AddSingleton<FourEyes>();
        builder.Services.AddSingleton<ExportLimiter>();
        // Reads:MaxConcurrent and Reads:MaxQueued checked here: a bad value stops the start, not the first read. Handed
        // over by a factory, so that the container disposes it with the host.
        var readGate = new ReadGate(builder.Configuration);
        builder.Services.AddSingleton(_ => readGate);

        builder.Services.AddMarten(opts =>
            {
                opts.Connection(PooledConnections.Apply(connectionString));
                opts.DatabaseSchemaName = "capitalflows";
                opts.Events.StreamIdentity = StreamIdentity.AsString;
                opts.Events.MetadataConfig.CorrelationIdEnabled = true;
                opts.Events.MetadataConfig.HeadersEnabled = true;
                opts.Events.MetadataConfig.UserNameEnabled = true;
                // The inline snapshot reuses the aggregate FetchForWriting loaded instead of reading it again on a
                // second connection (a lock holder needing a second pooled connection starves under a queue).
                // Safe because Fund and Loan are immutable: decisions never mutate a fetched aggregate.
                opts.Events.UseIdentityMapForAggregates = true;
                opts.Projections.Snapshot<Fund>(SnapshotLifecycle.Inline);
                // The as-of reads find the funds of a subtree by this column (FundQueries).
                opts.Schema.For<Fund>().Duplicate(f => f.Locality);
                opts.Projections.Snapshot<Loan>(SnapshotLifecycle.Inline);
                opts.Schema.For<Loan>().Duplicate(l => l.Locality);
                opts.Projections.Add<DailyCapitalProjection>(ProjectionLifecycle.Async);
                // A sequence number taken by a transaction that never commits (a node killed mid-append) holds the
                // asynchronous projections back this long before they step over it (Marten's default is 3 s). The
                // daemon still waits while PostgreSQL shows a live transaction that could fill the gap.
                opts.Projections.StaleSequenceThreshold = builder.Configuration.GetValue("Projections:StaleSequenceThreshold", TimeSpan.FromMilliseconds(500));
                // Rows in a plain table of its own (typed columns, one covering index), created with the event store's schema.
                opts.Projections.Add(new FundMovementProjection(opts.DatabaseSchemaName), ProjectionLifecycle.Inline);
                // Credit quality's rows (a loan event's change to unpaid principal by due date, and to write-offs), one covering index.
                opts.Projections.Add(new LoanQualityMovementProjection(opts.DatabaseSchemaName), ProjectionLifecycle.Inline);
                opts.Schema.For<ProcessedCommand>();
                opts.Schema.For<PendingCommand>().UniqueIndex(p => p.CommandId);
                opts.Schema.For<CapitalFlows.Demo.DemoScale>();
                // The hash chain over the log (DOMAIN.md invariant 11): a table, and a trigger on mt_events that every append passes.
                opts.Storage.Add(new TriggerFedTableFeature<EventChainStorage>("EventChain", new EventChainStorage(opts.DatabaseSchemaName)));
                // Which events make up each locality's history: a table filled by a trigger on mt_events (LocalityEvents).
                opts.Storage.Add(new TriggerFedTableFeature<LocalityEventsStorage>("LocalityEvents", new LocalityEventsStorage(opts.DatabaseSchemaName)));
                opts.OpenTelemetry.TrackConnections = TrackLevel.Normal;
                opts.OpenTelemetry.TrackEventCounters();
            })
            .UseLightweightSessions()
            .ApplyAllDatabaseChangesOnStartup()
            .InitializeWith(new Reorganisation2025Data(TimeProvider.System))
            // Wolverine runs the asynchronous projections as agents, spread over the nodes in Balanced mode.
            .IntegrateWithWolverine(x => x.UseWolverineManagedEventSubscriptionDistribution = true);
        // After the schema is applied, before the service answers: fills the locality history index of a store written before it.
        builder.Services.AddHostedService<LocalityEventsBackfill>();

        builder.Host.UseWolverine(opts =>
        {
            opts.ApplicationAssembly = typeof(ServiceSetup).Assembly;
            // The HTTP and handler adapters are pre-generated into Internal/Generated and compiled with the
            // service (faster start, no compiler at run time). After changing an endpoint's signature, run
            // `dotnet run --project src/CapitalFlows -- codegen write`, or set Wolverine:TypeLoadMode=Auto.
            opts.CodeGeneration.TypeLoadMode = builder.Configuration.GetValue("Wolverine:TypeLoadMode", TypeLoadMode.Static);
            opts.ServiceName = WolverineServiceName;
            // Balanced (leader election, agents spread over the nodes) unless configured otherwise; a single
            // development or test process runs Solo.
            opts.Durability.Mode = builder.Configuration.GetValue<DurabilityMode?>("Wolverine:DurabilityMode")
                ?? (builder.Environment.IsProduction() ? DurabilityMode.Balanced : DurabilityMode.Solo);
            // How soon a crashed node's agents (the asynchronous projections) move to a live node: a heartbeat every
            // HealthCheckPollingTime, and a node silent for StaleNodeTimeout counts as stale; two ticks that see it
            // stale eject it, and the leader hands its agents to a survivor (through the database control queue,
            // which an idle node polls every 5 s). 1 s and 3 s put a projection back to work, caught up, within 15 s
            // of a crash (Wolverine's defaults, 10 s and 60 s, take over a minute). A live node that misses its
            // heartbeats (a long pause) and is ejected registers again at its next heartbeat.
            opts.Durability.HealthCheckPollingTime = builder.Configuration.GetValue("Wolverine:HealthCheckPollingTime", TimeSpan.FromSeconds(1));
            opts.Durability.StaleNodeTimeout = builder.Configuration.GetValue("Wolverine:StaleNodeTimeout", TimeSpan.FromSeconds(3));
        });
        builder.Services.AddWolverineHttp();

        builder.AddCapitalFlowsTelemetry(WolverineServiceName);
        builder.Services.AddCapitalFlowsAuthentication(builder.Configuration, builder.Environment, checkSignInSettings);
        builder.Services.AddCapitalFlowsRateLimits(builder.Configuration);
        builder.Services.AddCapitalFlowsHealth();
        builder.Services.AddProblemDetails();
        // Amounts are JSON integers: "100" is refused, not read as a number.
        builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.NumberHandling = JsonNumberHandling.Strict);
        builder.Services.AddOpenApi(Api.OpenApiContract.Configure);
        // The service has HTTP endpoints and no message handlers, by design: Wolverine's start-up warning that it found
        // none is not something an operator can act on.
        builder.Logging.AddFilter("Wolverine.Configuration.HandlerDiscovery", LogLevel.Error);
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = CommandBodyMiddleware.MaxBodyBytes + 1);
    }

    public static void UseCapitalFlows(this WebApplication app)
    {
        app.UseExceptionHandler(new ExceptionHandlerOptions { ExceptionHandler = BadRequests.HandleAsync });
        app.UseStatusCodePages();
        app.Use(CommandBodyMiddleware.DeferContentTypeCheck);
        app.UseRouting();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();
        app.UseMiddleware<ReadGate>();
        app.UseMiddleware<CommandBodyMiddleware>();
        app.Use(CorrelationIdCheck.RefuseMalformed);

        app.MapOpenApi("/openapi/v1.json");
        app.MapScalarApiReference("/docs", o => o.WithOpenApiRoutePattern("/openapi/v1.json").WithTitle("CapitalFlows API"));
        app.MapGet("/problems/{slug}", ProblemPages.Get).AllowAnonymous().ExcludeFromDescription();
        app.MapCapitalFlowsHealth();
        app.MapWolverineEndpoints(o =>
        {
            o.RequireAuthorizeOnAll();
            o.ApplyCorrelationIdHeaderToAllEndpoints = true;
        });
        // The web console at `/` (when built), /api/console-config, and /dev/sign-in in Development.
        app.UseCapitalFlowsConsole();
    }
}
