#!/usr/bin/env python3
"""Recompute CapitalFlows' event chain with nothing but psql and Python (an auditor's own tool).

    python3 deploy/audit/verify_chain.py "host=... port=5432 dbname=capitalflows user=auditor"

psql fetches the stored rows (the raw columns, nothing computed by the database); this script renders each
event's canonical content itself, as PostgreSQL renders jsonb text, hashes it with the previous hash and compares
the result with the stored hash. The canonical form is the README's ("The chained log"):

    hash(n) = SHA-256( hash(n-1) || UTF-8( content(n) ) ),   hash(0) = 32 zero bytes
    content = jsonb text of [seq_id, stream_id, type, data->>'EffectiveOn', recorded instant (UTC,
              YYYY-MM-DDTHH:MM:SS.ffffffZ), {eventId, version, correlationId, userName, headers}, data]

jsonb text: object keys ordered by their UTF-8 length, then bytewise; ", " between items and ": " after keys;
strings escape only '"', '\\', \\b \\f \\n \\r \\t and other characters below U+0020 (as \\u00xx); numbers as
written. Prints the same answer as GET /api/ledger/verify; exits 1 when the chain is broken.
"""
import decimal
import hashlib
import json
import subprocess
import sys

QUERY = r"""
select json_build_object(
    'position', h.chain_position, 'seq', h.seq_id, 'hash', encode(h.hash, 'hex'), 'present', e.seq_id is not null,
    'stream', e.stream_id, 'type', e.type, 'data', e.data,
    'recorded', to_char(e.timestamp at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
    'id', e.id, 'version', e.version, 'correlationId', e.correlation_id, 'userName', e.user_name, 'headers', e.headers)
from capitalflows.mt_event_hashes h left join capitalflows.mt_events e on e.seq_id = h.seq_id
order by h.chain_position
"""

UNCHAINED = """
select coalesce(min(e.seq_id)::text, '') from capitalflows.mt_events e
where not exists (select 1 from capitalflows.mt_event_hashes h where h.seq_id = e.seq_id)
"""


def jsonb_text(value):
    """The text PostgreSQL gives for a jsonb value."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, decimal.Decimal):
        return format(value, "f")
    if isinstance(value, str):
        return jsonb_string(value)
    if isinstance(value, list):
        return "[" + ", ".join(jsonb_text(v) for v in value) + "]"
    if isinstance(value, dict):
        keys = sorted(value, key=lambda k: (len(k.encode("utf-8")), k.encode("utf-8")))
        return "{" + ", ".join(jsonb_string(k) + ": " + jsonb_text(value[k]) for k in keys) + "}"
    raise TypeError(type(value))


def jsonb_string(text):
    escapes = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}
    out = []
    for ch in text:
        if ch in escapes:
            out.append(escapes[ch])
        elif ord(ch) < 0x20:
            out.append("\\u%04x" % ord(ch))
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def content(row):
    data = row["data"]
    effective = data.get("EffectiveOn") if isinstance(data, dict) else None
    if effective is not None and not isinstance(effective, str):
        effective = jsonb_text(effective)  # ->> gives the text of a non-string value
    metadata = {"eventId": row["id"], "version": row["version"], "correlationId": row["correlationId"],
                "userName": row["userName"], "headers": row["headers"]}
    return jsonb_text([row["seq"], row["stream"], row["type"], effective, row["recorded"], metadata, data])


def psql(connection, sql):
    return subprocess.Popen(["psql", connection, "-X", "-A", "-t", "-q", "-v", "ON_ERROR_STOP=1", "-c", sql],
                            stdout=subprocess.PIPE, text=True, encoding="utf-8")


def main(connection):
    previous = bytes(32)
    events, last_sequence = 0, None
    answer = None
    process = psql(connection, QUERY)
    for line in process.stdout:
        row = json.loads(line, parse_float=decimal.Decimal)
        reason = ("position-missing" if row["position"] != events + 1
                  else "event-missing" if not row["present"]
                  else None)
        if reason is None:
            link = hashlib.sha256(previous + content(row).encode("utf-8")).digest()
            if link.hex() != row["hash"]:
                reason = "hash-mismatch"
        if reason is not None:
            answer = {"ok": False, "brokenAtSequence": row["seq"], "brokenAtPosition": row["position"], "reason": reason}
            process.kill()
            break
        previous, events, last_sequence = bytes.fromhex(row["hash"]), events + 1, row["seq"]
    process.wait()
    if answer is None:
        if process.returncode != 0:
            sys.exit("psql failed")
        unchained = subprocess.run(["psql", connection, "-X", "-A", "-t", "-q", "-c", UNCHAINED],
                                   check=True, capture_output=True, text=True).stdout.strip()
        answer = {"ok": True} if not unchained else {"ok": False, "brokenAtSequence": int(unchained), "reason": "unchained-event"}
    answer.update(events=events, lastSequence=last_sequence, lastHash=previous.hex() if events else None)
    print(json.dumps(answer))
    return 0 if answer["ok"] else 1


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1]))
