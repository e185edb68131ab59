// A small client of CapitalFlows written against the types that openapi-typescript generates from
// /openapi/v1.json (generated/api.d.ts). OpenApiContractTests compiles it with tsc --noEmit: if the document
// stops describing an answer's fields, an operation id, a required body field or an enum, this stops compiling.
import createClient from "openapi-fetch";
import type { components, paths } from "./generated/api.js";

type Schemas = components["schemas"];

export async function tourOfTheApi(baseUrl: string, token: string): Promise<string[]> {
  const api = createClient<paths>({ baseUrl, headers: { Authorization: `Bearer ${token}` } });
  const lines: string[] = [];

  // A command: required fields and enums are checked at compile time (source, programme).
  const allocation = await api.POST("/api/allocations", {
    body: {
      commandId: crypto.randomUUID(),
      from: "VN",
      to: "01",
      source: "central-budget",
      programme: "general",
      toProgramme: "poor-households",
      amountVnd: 300_000_000_000,
    },
  });
  if (allocation.response.status === 202 && allocation.data) {
    // Four eyes held it: a second central-finance user approves it by its approvalId.
    const held = allocation.data as Schemas["HeldCommandAnswer"];
    const decision = await api.POST("/api/approvals/{approvalId}/approve", {
      params: { path: { approvalId: held.approvalId } },
      body: { commandId: crypto.randomUUID(), reason: "Checked" },
    });
    const status: string | undefined = decision.data?.status;
    lines.push(`allocation ${held.commandId} held as ${held.approvalId}; approval ${status}`);
  } else if (allocation.data) {
    const answer = allocation.data as Schemas["CommandAnswer"];
    const after = (answer.funds ?? []).map((f: Schemas["FundAfter"]) => `${f.locality}/${f.source}/${f.programme}: ${f.availableVnd}`);
    lines.push(`allocation ${answer.commandId}: ${answer.events} events on ${answer.effectiveOn}; after: ${after.join(", ")}`);
  } else if (allocation.error) {
    const problem: Schemas["Problem"] = allocation.error;
    lines.push(`refused: ${problem.type} ${problem.detail ?? ""} ${Object.keys(problem.errors ?? {}).join(",")}`);
  }

  // A new loan answers 201 with its id.
  const loan = await api.POST("/api/loans", {
    body: {
      commandId: crypto.randomUUID(),
      locality: "00004",
      source: "central-budget",
      programme: "poor-households",
      amountVnd: 60_000_000,
      borrowerRef: "HN-00004-0001",
      entrustedOrganisation: "womens-union",
      termMonths: 36,
    },
  });
  const loanId: string | undefined = loan.data?.loanId;
  if (loanId) {
    const read = await api.GET("/api/loans/{loanId}", { params: { path: { loanId } } });
    const status: "active" | "repaid" | "reversed" | "written-off" | undefined = read.data?.status;
    const firstDue: string | undefined = read.data?.schedule?.[0]?.dueOn;
    lines.push(`loan ${loanId}: ${read.data?.outstandingVnd} outstanding, ${read.data?.overdueVnd} overdue, ${status}, first due ${firstDue}`);
  }

  // Reads: typed fields of the answers, nested types by name.
  const capital = await api.GET("/api/localities/{code}/capital", {
    params: { path: { code: "01" }, query: { asOf: "2025-12-31", knownAt: "2026-01-02T00:00:00+07:00" } },
  });
  if (capital.data) {
    const subtree: Schemas["Balances"] = capital.data.subtree;
    const total: number = subtree.availableVnd + subtree.loansOutstandingVnd;
    const byFund = subtree.funds.map((f: Schemas["FundBalance"]) => `${f.source}/${f.programme}: ${f.availableVnd}`);
    lines.push(`${capital.data.locality} as of ${capital.data.asOf}: ${total}`, ...byFund);
  }

  const provinces = await api.GET("/api/localities", { params: { query: { level: "province", status: "active" } } });
  for (const province of provinces.data ?? []) {
    const successor: string | null = province.successor;
    lines.push(`${province.code} ${province.name} (${province.level}, ${province.status}${successor ? ` → ${successor}` : ""})`);
  }

  const summary = await api.GET("/api/capital/summary", {});
  if (summary.data) {
    lines.push(`national ${summary.data.totalVnd}`, ...summary.data.byProvince.map((p: Schemas["CapitalLine"]) => `${p.code}: ${p.totalVnd}`));
  }

  const history = await api.GET("/api/localities/{code}/history", { params: { path: { code: "01" }, query: { limit: 10 } } });
  for (const event of history.data?.items ?? []) {
    lines.push(`${event.sequence} ${event.type} by ${event.user.name ?? "?"}${event.reversed ? " (reversed)" : ""}`);
  }
  const next: number | null | undefined = history.data?.next;
  lines.push(`next page after ${next ?? "none"}`);

  const programmes = await api.GET("/api/programmes", {});
  for (const programme of programmes.data ?? []) lines.push(`${programme.code}: at most ${programme.maxLoanVnd ?? "∞"}`);

  const check = await api.GET("/api/ledger/balance-check", {});
  const balanced: boolean | undefined = check.data?.balanced;
  lines.push(`balanced: ${balanced}`);

  const chain = await api.GET("/api/ledger/verify", {});
  const ok: boolean | undefined = chain.data?.ok;
  lines.push(`chain: ${ok} over ${chain.data?.events} events, head ${chain.data?.lastHash ?? "none"}`);

  // Two dates side by side on today's provinces; a cell is null where the row did not exist.
  const compared = await api.GET("/api/capital/compare", {
    params: { query: { dates: "2025-06-30,2025-12-31", by: "province", structure: "current" } },
  });
  for (const row of compared.data?.rows ?? []) {
    const cells = row.values.map((c: Schemas["ComparisonCell"] | null) => (c === null ? "-" : String(c.totalVnd)));
    lines.push(`${row.code} ${row.localityName ?? row.name}: ${cells.join(" → ")}`);
  }

  const pending = await api.GET("/api/approvals", { params: { query: { status: "pending" } } });
  for (const approval of pending.data ?? []) lines.push(`${approval.approvalId} ${approval.route} by ${approval.maker.name}`);
  return lines;
}
