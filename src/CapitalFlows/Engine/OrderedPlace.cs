namespace CapitalFlows.Engine;

/// <summary>
/// A command's place in an <see cref="OrderedRun"/>: set as a request feature by whoever sends the request in process
/// (the <c>import</c> command), read into the <see cref="CommandEnvelope"/> by the endpoint, and used by the recorder
/// instead of its shared batcher. An HTTP request from outside never has one.
/// </summary>
public sealed record OrderedPlace(OrderedRun Run, int Position);
