import type { CommandBody } from '../api/client';
import type { Key } from '../i18n';
import { parseAmount } from '../format';

export type Kind = 'entrust' | 'mobilise' | 'allocate' | 'recall' | 'top-up';

/** What the user has typed into a movement form (every field as text). */
export interface Draft {
  from: string;
  to: string;
  locality: string;
  source: string;
  programme: string;
  toProgramme: string;
  amount: string;
  decisionRef: string;
  reference: string;
  instrument: string;
  reason: string;
  effectiveOn: string;
}

export const emptyDraft: Draft = {
  from: 'VN', to: '', locality: '', source: 'central-budget', programme: 'general', toProgramme: '', amount: '',
  decisionRef: '', reference: '', instrument: 'deposits', reason: '', effectiveOn: '',
};

/** The fields each form shows, in order. */
export const fieldsOf: Record<Kind, Array<keyof Draft>> = {
  entrust: ['programme', 'amount', 'decisionRef', 'effectiveOn'],
  mobilise: ['programme', 'instrument', 'amount', 'reference', 'effectiveOn'],
  allocate: ['from', 'to', 'source', 'programme', 'toProgramme', 'amount', 'decisionRef', 'effectiveOn'],
  recall: ['from', 'to', 'source', 'programme', 'amount', 'reason', 'effectiveOn'],
  'top-up': ['locality', 'programme', 'amount', 'decisionRef', 'effectiveOn'],
};

export const labelOf: Record<keyof Draft, Key> = {
  from: 'fromLocality', to: 'toLocality', locality: 'locality', source: 'source', programme: 'programme',
  toProgramme: 'toProgramme', amount: 'amount', decisionRef: 'decisionRef', reference: 'reference',
  instrument: 'instrument', reason: 'reason', effectiveOn: 'effectiveOn',
};

/** The API's field names (problem details' `errors` keys) for the form's fields. */
export const apiField: Record<string, keyof Draft> = {
  from: 'from', to: 'to', locality: 'locality', source: 'source', programme: 'programme', toProgramme: 'toProgramme',
  amountVnd: 'amount', decisionRef: 'decisionRef', reference: 'reference', instrument: 'instrument', reason: 'reason',
  effectiveOn: 'effectiveOn',
};

/** The contract's enums; a form's select offers only these, and the API refuses anything else by name. */
type Programme = NonNullable<CommandBody<'/api/allocations'>['programme']>;
type Source = NonNullable<CommandBody<'/api/allocations'>['source']>;
type Instrument = NonNullable<CommandBody<'/api/capital/mobilisations'>['instrument']>;

const optional = (text: string) => (text.trim() === '' ? undefined : text.trim());

/** The route and body of the command a draft describes; the body is typed by the contract's schema. */
export function commandOf(kind: Kind, d: Draft, commandId: string) {
  const amountVnd = parseAmount(d.amount) ?? undefined;
  const effectiveOn = optional(d.effectiveOn);
  switch (kind) {
    case 'entrust': {
      const body: Partial<CommandBody<'/api/capital/central-entrustments'>> = { commandId, amountVnd, programme: d.programme as Programme, decisionRef: optional(d.decisionRef), effectiveOn };
      return { route: '/api/capital/central-entrustments' as const, body };
    }
    case 'mobilise': {
      const body: Partial<CommandBody<'/api/capital/mobilisations'>> = { commandId, amountVnd, programme: d.programme as Programme, instrument: d.instrument as Instrument, reference: optional(d.reference), effectiveOn };
      return { route: '/api/capital/mobilisations' as const, body };
    }
    case 'allocate': {
      const body: Partial<CommandBody<'/api/allocations'>> = {
        commandId, from: optional(d.from), to: optional(d.to), source: d.source as Source, programme: d.programme as Programme,
        toProgramme: d.programme === 'general' ? optional(d.toProgramme) as Programme | undefined : undefined, amountVnd, decisionRef: optional(d.decisionRef), effectiveOn,
      };
      return { route: '/api/allocations' as const, body };
    }
    case 'recall': {
      const body: Partial<CommandBody<'/api/recalls'>> = { commandId, from: optional(d.from), to: optional(d.to), source: d.source as Source, programme: d.programme as Programme, amountVnd, reason: optional(d.reason), effectiveOn };
      return { route: '/api/recalls' as const, body };
    }
    case 'top-up': {
      const body: Partial<CommandBody<'/api/capital/local-budget-top-ups'>> = { commandId, locality: optional(d.locality), amountVnd, programme: d.programme as Programme, decisionRef: optional(d.decisionRef), effectiveOn };
      return { route: '/api/capital/local-budget-top-ups' as const, body };
    }
  }
}

export interface FundChange {
  locality: string;
  source: string;
  programme: string;
  /** + into the fund, − out of it. */
  sign: 1 | -1;
}

/** The funds a movement touches (DOMAIN.md's movements table), for the before/after confirmation. */
export function fundsTouched(kind: Kind, d: Draft): FundChange[] {
  switch (kind) {
    case 'entrust':
      return [{ locality: 'VN', source: 'central-budget', programme: d.programme, sign: 1 }];
    case 'mobilise':
      return [{ locality: 'VN', source: 'mobilised', programme: d.programme, sign: 1 }];
    case 'top-up':
      return [{ locality: d.locality, source: 'local-budget', programme: d.programme, sign: 1 }];
    case 'allocate':
      return [
        { locality: d.from, source: d.source, programme: d.programme, sign: -1 },
        { locality: d.to, source: d.source, programme: d.programme === 'general' && d.toProgramme ? d.toProgramme : d.programme, sign: 1 },
      ];
    case 'recall':
      return [
        { locality: d.from, source: d.source, programme: d.programme, sign: -1 },
        { locality: d.to, source: d.source, programme: d.programme, sign: 1 },
      ];
  }
}
