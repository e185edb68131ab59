import { useEffect, useId, useState } from 'react';
import type { Locality } from '../api/models';
import { allLocalities, findLocalities } from '../api/reference';
import { useI18n } from '../i18n';
import { FieldError } from './Field';

/** Finds a locality by name or code without diacritics, and shows the one chosen. */
export function LocalityPicker({ id, label, value, onChange, errors }: {
  id: string;
  label: string;
  value: string;
  onChange: (code: string) => void;
  errors?: string[];
}) {
  const { t } = useI18n();
  const [list, setList] = useState<Locality[]>([]);
  const [text, setText] = useState('');
  const [open, setOpen] = useState(false);
  const resultsId = useId();
  const errorId = `${id}-error`;
  useEffect(() => {
    allLocalities().then(setList, () => setList([]));
  }, []);
  const chosen = list.find((l) => l.code === value);
  const matches = open ? findLocalities(list, text) : [];
  return (
    <div className="field locality-picker">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        name={id}
        type="search"
        autoComplete="off"
        value={text}
        placeholder={t('findLocality')}
        aria-describedby={`${resultsId} ${errors?.length ? errorId : ''}`.trim()}
        aria-invalid={errors?.length ? true : undefined}
        onChange={(e) => {
          setText(e.target.value);
          setOpen(true);
        }}
      />
      <div id={resultsId} className="picker-state">
        {chosen ? (
          <span data-testid={`${id}-chosen`}>
            {t('selected')}: <span translate="no">{chosen.name} ({chosen.code})</span>
          </span>
        ) : value ? (
          <span translate="no">{value}</span>
        ) : null}
      </div>
      {open && text.trim() !== '' && (
        <ul className="picker-results">
          {matches.length === 0 && <li className="muted">{t('noMatch')}</li>}
          {matches.map((l) => (
            <li key={l.code}>
              <button
                type="button"
                data-code={l.code}
                onClick={() => {
                  onChange(l.code);
                  setText('');
                  setOpen(false);
                }}
              >
                <span translate="no">{l.name}</span> <span className="muted" translate="no">({l.code})</span>
              </button>
            </li>
          ))}
        </ul>
      )}
      <FieldError id={errorId} errors={errors} />
    </div>
  );
}
