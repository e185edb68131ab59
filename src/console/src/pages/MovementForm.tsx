import { type ReactNode, useRef, useState } from 'react';
import { ApiError, read, send } from '../api/client';
import type { CommandAnswer, LocalityCapital, Programme } from '../api/models';
import { sources, instruments } from '../api/models';
import { allProgrammes, programmeName } from '../api/reference';
import { AmountInput } from '../components/AmountInput';
import { ErrorNotice, Money, useAsync } from '../components/common';
import { describedBy, Field } from '../components/Field';
import { LocalityPicker } from '../components/LocalityPicker';
import { parseAmount, todayInVietnam } from '../format';
import { type Key, useI18n } from '../i18n';
import { apiField, commandOf, type Draft, emptyDraft, fieldsOf, type FundChange, fundsTouched, type Kind, labelOf } from './movementKinds';

type Errors = Partial<Record<keyof Draft, string[]>>;
interface Balance extends FundChange { beforeVnd: number; afterVnd: number }

async function balancesOf(changes: FundChange[], amount: number): Promise<Balance[]> {
  const capitals = new Map<string, Promise<LocalityCapital>>();
  return Promise.all(
    changes.map(async (c) => {
      if (!capitals.has(c.locality)) capitals.set(c.locality, read<LocalityCapital>('/api/localities/{code}/capital', { code: c.locality }));
      const fund = (await capitals.get(c.locality)!).own.funds.find((f) => f.source === c.source && f.programme === c.programme);
      const beforeVnd = fund?.availableVnd ?? 0;
      return { ...c, beforeVnd, afterVnd: beforeVnd + c.sign * amount };
    }),
  );
}

/**
 * One movement: edit → confirm (balances before and after) → sent. The form holds one commandId until the
 * command is accepted, so a double click or a retry after a lost answer never records two commands.
 */
export function MovementForm({ kind, initial }: { kind: Kind; initial?: Partial<Draft> }) {
  const { t, language } = useI18n();
  const programmes = useAsync<Programme[]>(allProgrammes, []);
  const [draft, setDraft] = useState<Draft>({ ...emptyDraft, ...initial });
  const [errors, setErrors] = useState<Errors>({});
  const [problem, setProblem] = useState<unknown>(null);
  const [step, setStep] = useState<'edit' | 'confirm' | 'done'>('edit');
  const [balances, setBalances] = useState<Balance[] | null>(null);
  const [answer, setAnswer] = useState<CommandAnswer | null>(null);
  const [busy, setBusy] = useState(false);
  const commandId = useRef(crypto.randomUUID());
  const sending = useRef(false);
  const prefix = `${kind}-`;
  const update = (field: keyof Draft) => (value: string) => setDraft((d) => ({ ...d, [field]: value }));

  const review = async () => {
    setProblem(null);
    if (parseAmount(draft.amount) === null) {
      setErrors({ amount: [t('amountInvalid')] });
      return;
    }
    setErrors({});
    setBusy(true);
    try {
      setBalances(await balancesOf(fundsTouched(kind, draft), parseAmount(draft.amount)!));
    } catch {
      setBalances(null); // A locality not chosen yet or not readable: the API will say which field is wrong.
    } finally {
      setBusy(false);
    }
    setStep('confirm');
  };

  const submit = async () => {
    if (sending.current) return; // the second click of a double click
    sending.current = true;
    setBusy(true);
    setProblem(null);
    const { route, body } = commandOf(kind, draft, commandId.current);
    try {
      setAnswer((await send(route, body)) as CommandAnswer);
      setStep('done');
    } catch (e) {
      if (e instanceof ApiError && e.problem.errors) {
        const mapped: Errors = {};
        for (const [field, messages] of Object.entries(e.problem.errors)) {
          const own = apiField[field] ?? (fieldsOf[kind].includes(field as keyof Draft) ? (field as keyof Draft) : undefined);
          if (own) mapped[own] = messages;
        }
        setErrors(mapped);
        setStep('edit');
      }
      setProblem(e);
    } finally {
      sending.current = false;
      setBusy(false);
    }
  };

  const restart = () => {
    commandId.current = crypto.randomUUID();
    setDraft({ ...emptyDraft, ...initial });
    setAnswer(null);
    setBalances(null);
    setProblem(null);
    setStep('edit');
  };

  const programmeOptions = (includeGeneral: boolean) =>
    (programmes.data ?? []).filter((p) => includeGeneral || p.code !== 'general').map((p) => (
      <option key={p.code} value={p.code}>
        {language === 'vi' ? p.nameVi : p.name}
      </option>
    ));

  const select = (field: keyof Draft, options: ReactNode) => (
    <Field key={field} id={prefix + field} label={t(labelOf[field])} errors={errors[field]}>
      <select id={prefix + field} name={field} value={draft[field]} onChange={(e) => update(field)(e.target.value)} aria-describedby={describedBy(prefix + field, false, errors[field])}>
        {options}
      </select>
    </Field>
  );

  const text = (field: keyof Draft, type = 'text', hint?: string) => (
    <Field key={field} id={prefix + field} label={t(labelOf[field])} hint={hint} errors={errors[field]}>
      <input id={prefix + field} name={field} type={type} value={draft[field]} max={type === 'date' ? todayInVietnam() : undefined}
        aria-invalid={errors[field]?.length ? true : undefined} aria-describedby={describedBy(prefix + field, !!hint, errors[field])}
        onChange={(e) => update(field)(e.target.value)} />
    </Field>
  );

  const field = (f: keyof Draft) => {
    switch (f) {
      case 'from':
      case 'to':
        return <LocalityPicker key={f} id={prefix + f} label={t(kind === 'recall' ? (f === 'from' ? 'childLocality' : 'parentLocality') : labelOf[f])} value={draft[f]} onChange={update(f)} errors={errors[f]} />;
      case 'locality':
        return <LocalityPicker key={f} id={prefix + f} label={t('locality')} value={draft[f]} onChange={update(f)} errors={errors[f]} />;
      case 'source':
        return select(f, sources.map((s) => <option key={s} value={s}>{t(`source.${s}` as Key)}</option>));
      case 'programme':
        return select(f, programmeOptions(true));
      case 'toProgramme':
        return draft.programme === 'general' ? select(f, [<option key="" value="">{t('sameProgramme')}</option>, ...programmeOptions(false)]) : null;
      case 'instrument':
        return select(f, instruments.map((i) => <option key={i} value={i}>{t(`instrument.${i}` as Key)}</option>));
      case 'amount':
        return <AmountInput key={f} id={prefix + f} value={draft.amount} onChange={update('amount')} errors={errors.amount} />;
      case 'effectiveOn':
        return text(f, 'date', t('effectiveOnHint'));
      default:
        return text(f);
    }
  };

  const fundLabel = (b: FundChange) => `${b.locality} · ${t(`source.${b.source}` as Key)} · ${programmeName(programmes.data, b.programme, language)}`;

  return (
    <form className="movement" data-kind={kind} noValidate onSubmit={(e) => { e.preventDefault(); if (step === 'edit') void review(); }}>
      {problem !== null && step !== 'done' && <ErrorNotice error={problem} />}
      {step === 'edit' && (
        <>
          <div className="form-grid">{fieldsOf[kind].map(field)}</div>
          <button type="submit" disabled={busy}>{busy ? t('loading') : t('review')}</button>
        </>
      )}
      {step === 'confirm' && (
        <div className="confirm" role="region" aria-labelledby={`${prefix}confirm`}>
          <h3 id={`${prefix}confirm`}>{t('confirmTitle')}</h3>
          <p>
            {t('amount')}: <strong><Money amount={parseAmount(draft.amount)} /></strong>
          </p>
          {balances && (
            <table>
              <caption>{t('confirmIntro')}</caption>
              <thead>
                <tr><th scope="col">{t('fund')}</th><th scope="col" className="num">{t('before')}</th><th scope="col" className="num">{t('after')}</th></tr>
              </thead>
              <tbody>
                {balances.map((b) => (
                  <tr key={fundLabel(b)} className={b.afterVnd < 0 ? 'negative' : undefined}>
                    <th scope="row">{fundLabel(b)}</th>
                    <td className="num"><Money amount={b.beforeVnd} /></td>
                    <td className="num"><Money amount={b.afterVnd} /></td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <p className="muted">{t('commandId')}: <code translate="no">{commandId.current}</code></p>
          <div className="actions">
            <button type="button" className="secondary" disabled={busy} onClick={() => setStep('edit')}>{t('back')}</button>
            <button type="button" data-testid={`${prefix}send`} disabled={busy} onClick={() => void submit()}>{busy ? t('sending') : t('send')}</button>
          </div>
        </div>
      )}
      {step === 'done' && answer && (
        <div className="notice success" role="status">
          <p>{answer.status === 'pending' ? t('pendingApproval') : t('accepted')}</p>
          <p>{t('commandId')}: <code translate="no" data-testid="accepted-command-id">{answer.commandId}</code></p>
          {!answer.funds && balances && answer.status !== 'pending' && (
            <ul aria-label={t('balancesAfter')}>
              {balances.map((b) => (
                <li key={fundLabel(b)}>
                  {fundLabel(b)}: <Money amount={b.afterVnd} />
                </li>
              ))}
            </ul>
          )}
          {answer.funds && (
            <ul aria-label={t('balancesAfter')}>
              {answer.funds.map((f) => (
                <li key={`${f.locality}/${f.source}/${f.programme}`}>
                  {fundLabel({ ...f, sign: 1 })}: <Money amount={f.availableVnd} />
                </li>
              ))}
            </ul>
          )}
          <button type="button" onClick={restart}>{t('newMovement')}</button>
        </div>
      )}
    </form>
  );
}
