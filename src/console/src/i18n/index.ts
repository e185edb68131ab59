import { createContext, useContext } from 'react';
import { en } from './en';
import { type Key, vi } from './vi';

export type { Key };

export type Language = 'vi' | 'en';
export const dictionaries: Record<Language, Record<Key, string>> = { vi, en };

export interface I18n {
  language: Language;
  t: (key: Key) => string;
  setLanguage: (language: Language) => void;
}

export const I18nContext = createContext<I18n>({ language: 'vi', t: (k) => vi[k], setLanguage: () => {} });

export function useI18n(): I18n {
  return useContext(I18nContext);
}

export function translate(language: Language, key: Key): string {
  return dictionaries[language][key];
}
