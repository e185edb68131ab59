import { amountInWords, parseAmount, vnd } from '../format';
import { useI18n } from '../i18n';
import { describedBy, Field } from './Field';

/** An amount typed as a Vietnamese user types it, echoed back in groups and in words before it is sent. */
export function AmountInput({ id, value, onChange, errors }: { id: string; value: string; onChange: (text: string) => void; errors?: string[] }) {
  const { t } = useI18n();
  const amount = parseAmount(value);
  return (
    <Field id={id} label={t('amount')} hint={t('amountHint')} errors={errors}>
      <input
        id={id}
        name={id}
        inputMode="decimal"
        autoComplete="off"
        value={value}
        aria-invalid={errors?.length ? true : undefined}
        aria-describedby={describedBy(id, true, errors)}
        onChange={(e) => onChange(e.target.value)}
      />
      <output htmlFor={id} className="amount-echo" data-testid={`${id}-echo`}>
        {amount !== null ? (
          <span translate="no">
            <strong>{vnd(amount)}</strong> — <em>{amountInWords(amount)}</em>
          </span>
        ) : value.trim() !== '' ? (
          <span className="invalid">{t('amountInvalid')}</span>
        ) : null}
      </output>
    </Field>
  );
}
