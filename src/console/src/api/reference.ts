import { read } from './client';
import type { Locality, Programme } from './models';
import { fold } from '../format';

// The reference lists every screen needs, read once per sign-in.
let localities: Promise<Locality[]> | null = null;
let programmes: Promise<Programme[]> | null = null;

export function allLocalities(): Promise<Locality[]> {
  localities ??= read<Locality[]>('/api/localities', {}, { status: 'active' }).catch((e: unknown) => {
    localities = null;
    throw e;
  });
  return localities;
}

export function allProgrammes(): Promise<Programme[]> {
  programmes ??= read<Programme[]>('/api/programmes').catch((e: unknown) => {
    programmes = null;
    throw e;
  });
  return programmes;
}

export function forgetReference(): void {
  localities = null;
  programmes = null;
}

/**
 * Localities whose code or name matches the text, ignoring case and diacritics ("can gio" finds Xã Cần Giờ),
 * best first: an exact code, then names starting with a word of the text, then the rest. (API.md's
 * `GET /api/localities?q=` answers the same question on the server; this list is already in the browser.)
 */
export function findLocalities(list: Locality[], text: string, limit = 8): Locality[] {
  const query = fold(text);
  if (query === '') return [];
  const scored: Array<[number, Locality]> = [];
  for (const l of list) {
    const name = fold(l.name);
    const bare = name.replace(/^(thanh pho|tinh|xa|phuong|dac khu)\s+/, '');
    let score = -1;
    if (l.code.toLowerCase() === query) score = 0;
    else if (bare.startsWith(query)) score = 1;
    else if (name.startsWith(query)) score = 2;
    else if (name.includes(query)) score = 3;
    else if (l.code.startsWith(query)) score = 4;
    if (score >= 0) scored.push([score * 10 + (l.level === 'province' ? 0 : l.level === 'nation' ? 1 : 2), l]);
  }
  return scored.sort((a, b) => a[0] - b[0] || a[1].name.localeCompare(b[1].name, 'vi')).slice(0, limit).map(([, l]) => l);
}

export function programmeName(list: Programme[] | null, code: string, language: 'vi' | 'en'): string {
  const p = list?.find((x) => x.code === code);
  if (!p) return code;
  return language === 'vi' ? p.nameVi : p.name;
}
