namespace CapitalFlows.EventLog.Chain;

/// <summary>
/// What recomputing the chain found. <c>Ok</c>: every event is chained and every hash recomputes; <c>Events</c>,
/// <c>LastSequence</c> and <c>LastHash</c> (hex) describe the chain verified up to its head (or up to the last link
/// before the break). When it is broken, <c>BrokenAtSequence</c> names the first event (in chain order) where it
/// breaks, <c>BrokenAtPosition</c> its place in the chain, and <c>Reason</c> says how:
/// <c>hash-mismatch</c> (the event, or one before it, was changed), <c>event-missing</c> (the event was deleted),
/// <c>position-missing</c> (a link before this one was deleted with its event), <c>unchained-event</c> (an event
/// that no hash covers).
/// </summary>
public sealed record ChainVerification(
    bool Ok,
    long Events,
    long? LastSequence,
    string? LastHash,
    long? BrokenAtSequence = null,
    long? BrokenAtPosition = null,
    string? Reason = null);
