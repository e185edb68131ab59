// Response shapes of the reads the console uses, as API.md (second edition) fixes them. Routes, request bodies and
// the newer screens' answers (the comparison) are typed from the OpenAPI document (schema.d.ts, `Schemas` in
// client.ts), so a route or a field that leaves the contract fails the build; these older shapes are hand-typed.

export interface Balances {
  availableVnd: number;
  loansOutstandingVnd: number;
  funds: Array<{ source: string; programme: string; programmeName?: string; availableVnd: number; loansOutstandingVnd: number }>;
}

export interface LocalityCapital {
  locality: string;
  localityName?: string;
  asOf: string;
  own: Balances;
  subtree: Balances;
  /** `?by=child` (second edition). */
  children?: Array<{ code: string; name: string; availableVnd: number; loansOutstandingVnd: number }>;
}

export interface Locality {
  code: string;
  name: string;
  level: 'nation' | 'province' | 'commune';
  parent: string | null;
  status: 'active' | 'merged';
  successor?: string | null;
  openedOn?: string | null;
  closedOn?: string | null;
}

export interface Programme {
  code: string;
  name: string;
  nameVi: string;
  maxLoanVnd: number | null;
  maxTermMonths: number | null;
}

export interface StatementFigures {
  entrustedVnd: number;
  lentVnd: number;
  repaidVnd: number;
  outstandingVnd: number;
  availableVnd: number;
}

/** A row names its key (second edition: `programme` / `year`; first edition: `key`). */
export interface StatementRow extends Partial<StatementFigures> {
  key?: string;
  programme?: string;
  programmeName?: string;
  year?: number | string;
  entrustedInYearVnd?: number;
  lentInYearVnd?: number;
  repaidInYearVnd?: number;
  outstandingAtYearEndVnd?: number;
  availableAtYearEndVnd?: number;
}

export interface EntrustedFunds extends StatementFigures {
  locality: string;
  year?: number | null;
  byProgramme: StatementRow[];
  byYear: StatementRow[];
}

export interface SummaryRow {
  code: string;
  name: string | null;
  totalVnd: number;
  availableVnd: number;
  loansOutstandingVnd: number;
}

export interface CapitalSummary {
  asOf: string;
  totalVnd: number;
  availableVnd: number;
  loansOutstandingVnd: number;
  bySource: SummaryRow[];
  byProvince: SummaryRow[];
  byProgramme: SummaryRow[];
  /** The demo history's sample factor k (the store holds the bank at 1 : k); absent on a store that was not seeded. */
  sampleFactor?: number;
}

export interface HistoryItem {
  sequence: number;
  type: string;
  effectiveOn: string;
  recordedAt: string;
  commandId: string;
  user: { sub: string; name: string; role: string };
  reversed: boolean;
  data: Record<string, unknown>;
}

export interface HistoryPage {
  items: HistoryItem[];
  next?: number | string | null;
}

export interface CommandAnswer {
  commandId: string;
  recordedAt: string;
  effectiveOn: string;
  events: number;
  status?: string;
  funds?: Array<{ locality: string; localityName?: string; source: string; programme: string; availableVnd: number }>;
}

export interface Problem {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  errors?: Record<string, string[]>;
  successor?: string;
}

export const sources = ['central-budget', 'local-budget', 'charity', 'mobilised'] as const;
export const instruments = ['deposits', 'bonds', 'oda', 'other'] as const;
