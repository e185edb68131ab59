using System.Reflection;
using Npgsql;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace CapitalFlows.Operations;

public static class TelemetrySetup
{
    /// <summary>
    /// Traces, metrics and logs through OpenTelemetry. They are exported over OTLP when the standard
    /// OTEL_EXPORTER_OTLP_ENDPOINT (and friends) are set, and not exported at all otherwise.
    /// </summary>
    public static void AddCapitalFlowsTelemetry(this WebApplicationBuilder builder, string wolverineServiceName)
    {
        var version = typeof(TelemetrySetup).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";
        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("capitalflows", serviceVersion: version))
            .WithTracing(t => t
                .AddSource(Telemetry.Name, "Wolverine", "Marten")
                .AddAspNetCoreInstrumentation(o => o.Filter = http => !http.Request.Path.StartsWithSegments("/health"))
                .AddNpgsql())
            .WithMetrics(m => m
                .AddMeter(Telemetry.Name, "Marten", $"Wolverine:{wolverineServiceName}")
                .AddAspNetCoreInstrumentation()
                .AddRuntimeInstrumentation())
            .WithLogging(_ => { }, o => o.IncludeScopes = true);
        if (!string.IsNullOrEmpty(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
            telemetry.UseOtlpExporter();
    }
}
