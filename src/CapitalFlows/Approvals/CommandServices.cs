using CapitalFlows.Api;
using CapitalFlows.Engine;
using CapitalFlows.Localities;
using CapitalFlows.Programmes;

namespace CapitalFlows.Approvals;

/// <summary>What re-running a held command needs: the recorder and what the commands' checks and decisions read.</summary>
public sealed record CommandServices(MovementRecorder Recorder, LocalityDirectory Localities, ProgrammeCatalogue Programmes, TimeProvider Clock);
