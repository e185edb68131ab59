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
  if (allocation.data) {
    const answer: Schemas["CommandAnswer"] = allocation.data;
    lines.push(`allocation ${answer.commandId}: ${answer.events} events on ${answer.effectiveOn}`);
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
    const status: "active" | "repaid" | "reversed" | undefined = read.data?.status;
    lines.push(`loan ${loanId}: ${read.data?.outstandingVnd} outstanding, ${status}`);
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
  return lines;
}
