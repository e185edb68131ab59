import { useRef, useState } from 'react';
import { ApiError, send } from '../api/client';
import type { CommandAnswer } from '../api/models';
import { ErrorNotice } from '../components/common';
import { describedBy, Field } from '../components/Field';
import { useI18n } from '../i18n';

/** Undoes one movement, found by the command id it was recorded under; one commandId per reversal. */
export function ReversalForm() {
  const { t } = useI18n();
  const [reversed, setReversed] = useState('');
  const [reason, setReason] = useState('');
  const [errors, setErrors] = useState<Record<string, string[]>>({});
  const [problem, setProblem] = useState<unknown>(null);
  const [answer, setAnswer] = useState<CommandAnswer | null>(null);
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const commandId = useRef(crypto.randomUUID());
  const sending = useRef(false);

  const submit = async () => {
    if (sending.current) return;
    sending.current = true;
    setBusy(true);
    setProblem(null);
    try {
      setAnswer((await send('/api/reversals', { commandId: commandId.current, reversedCommandId: reversed.trim() || undefined, reason: reason.trim() || undefined })) as CommandAnswer);
    } catch (e) {
      setErrors(e instanceof ApiError ? e.problem.errors ?? {} : {});
      setProblem(e);
      setConfirming(false);
    } finally {
      sending.current = false;
      setBusy(false);
    }
  };

  if (answer) {
    return (
      <div className="notice success" role="status">
        <p>{answer.status === 'pending' ? t('pendingApproval') : t('accepted')}</p>
        <p>{t('commandId')}: <code translate="no">{answer.commandId}</code></p>
        <button type="button" onClick={() => { commandId.current = crypto.randomUUID(); setAnswer(null); setReversed(''); setReason(''); }}>{t('newMovement')}</button>
      </div>
    );
  }
  return (
    <form className="movement" data-kind="reverse" noValidate onSubmit={(e) => { e.preventDefault(); setConfirming(true); }}>
      {problem !== null && <ErrorNotice error={problem} />}
      <div className="form-grid">
        <Field id="reverse-id" label={t('reversedCommandId')} errors={errors.reversedCommandId}>
          <input id="reverse-id" value={reversed} disabled={confirming} onChange={(e) => setReversed(e.target.value)} translate="no"
            aria-describedby={describedBy('reverse-id', false, errors.reversedCommandId)} />
        </Field>
        <Field id="reverse-reason" label={t('reason')} errors={errors.reason}>
          <input id="reverse-reason" value={reason} disabled={confirming} onChange={(e) => setReason(e.target.value)}
            aria-describedby={describedBy('reverse-reason', false, errors.reason)} />
        </Field>
      </div>
      {confirming ? (
        <div className="actions">
          <button type="button" className="secondary" disabled={busy} onClick={() => setConfirming(false)}>{t('back')}</button>
          <button type="button" disabled={busy} onClick={() => void submit()}>{busy ? t('sending') : t('send')}</button>
        </div>
      ) : (
        <button type="submit">{t('review')}</button>
      )}
    </form>
  );
}
