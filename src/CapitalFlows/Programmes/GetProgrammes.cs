using Wolverine.Http;

namespace CapitalFlows.Programmes;

public static class GetProgrammesEndpoint
{
    [WolverineGet("/api/programmes")]
    public static IReadOnlyList<Programme> Get(ProgrammeCatalogue programmes) => programmes.All;
}
