// Amounts in vi-VN form: 5.944.431.000.000 ₫, and tỷ đồng (10^9) in charts and headings.

const grouping = new Intl.NumberFormat('vi-VN', { maximumFractionDigits: 0 });
const billions = new Intl.NumberFormat('vi-VN', { maximumFractionDigits: 1, minimumFractionDigits: 0 });

/** 5944431000000 → "5.944.431.000.000 ₫" */
export function vnd(amount: number | null | undefined): string {
  if (amount === null || amount === undefined || Number.isNaN(amount)) return '–';
  return `${grouping.format(amount)} ₫`;
}

/** 5944431000000 → "5.944,4" (a number of tỷ đồng, for charts and headings). */
export function inBillions(amount: number): string {
  return billions.format(amount / 1e9);
}

export function toBillions(amount: number): number {
  return Math.round(amount / 1e8) / 10;
}

/** Removes case and Vietnamese diacritics: "Cần Giờ" → "can gio", "Đà Nẵng" → "da nang". */
export function fold(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/đ/g, 'd')
    .replace(/Đ/g, 'D')
    .toLowerCase()
    .trim();
}

const multipliers: Array<[RegExp, number]> = [
  [/^(nghìn tỷ|nghin ty|ngàn tỷ|ngan ty|trillion|tn)$/, 1e12],
  [/^(tỷ|ty|tỉ|ti|billion|bn|b)$/, 1e9],
  [/^(triệu|trieu|tr|million|m)$/, 1e6],
  [/^(nghìn|nghin|ngàn|ngan|k|thousand)$/, 1e3],
  [/^$/, 1],
];

/**
 * Reads an amount as a Vietnamese user types it: "40.000.000.000", "40 000 000 000", "40 tỷ", "1,5 tỷ đồng",
 * "40tỷ". Dots and spaces group thousands; a comma is the decimal separator (only with a unit). Returns null
 * when the text is not an amount of whole đồng.
 */
export function parseAmount(text: string): number | null {
  const cleaned = text.toLowerCase().replace(/\s*(đồng|dong|đ|₫|vnd)\s*$/u, '').trim();
  if (cleaned === '') return null;
  const match = /^([0-9][0-9.\s]*(?:,[0-9]+)?)\s*([\p{L} ]*)$/u.exec(cleaned);
  if (!match) return null;
  const [, numberPart, unitPart] = match;
  const unit = multipliers.find(([pattern]) => pattern.test(unitPart.trim()));
  if (!unit) return null;
  const digits = numberPart.replace(/[.\s]/g, '');
  const [whole, fraction = ''] = digits.split(',');
  if (fraction !== '' && unit[1] === 1) return null;
  // Whole arithmetic on strings: no floating-point rounding of "1,3 tỷ".
  const exponent = Math.round(Math.log10(unit[1]));
  if (fraction.length > exponent) return null;
  const value = Number(whole + fraction.padEnd(exponent, '0'));
  return Number.isSafeInteger(value) && value > 0 ? value : null;
}

const units = ['không', 'một', 'hai', 'ba', 'bốn', 'năm', 'sáu', 'bảy', 'tám', 'chín'];

function threeDigits(n: number, full: boolean): string {
  const hundreds = Math.floor(n / 100);
  const tens = Math.floor((n % 100) / 10);
  const ones = n % 10;
  const words: string[] = [];
  if (full || hundreds > 0) words.push(units[hundreds], 'trăm');
  if (tens > 1) {
    words.push(units[tens], 'mươi');
    if (ones === 1) words.push('mốt');
    else if (ones === 5) words.push('lăm');
    else if (ones === 4) words.push('tư');
    else if (ones > 0) words.push(units[ones]);
  } else if (tens === 1) {
    words.push('mười');
    if (ones === 5) words.push('lăm');
    else if (ones > 0) words.push(units[ones]);
  } else if (ones > 0) {
    if (full || hundreds > 0) words.push('linh');
    words.push(units[ones]);
  }
  return words.join(' ');
}

/** 40000000000 → "bốn mươi tỷ đồng" (Vietnamese words, as written on a payment order). */
export function amountInWords(amount: number): string {
  if (amount === 0) return 'không đồng';
  const scales = ['', 'nghìn', 'triệu'];
  const words: string[] = [];
  // Groups of nine digits are tỷ: 10^18 is "tỷ tỷ".
  const billionsPart = Math.floor(amount / 1e9);
  const rest = amount % 1e9;
  if (billionsPart > 0) words.push(amountInWords(billionsPart).replace(/ đồng$/, ''), 'tỷ');
  let started = billionsPart > 0;
  for (let scale = 2; scale >= 0; scale--) {
    const group = Math.floor(rest / 10 ** (3 * scale)) % 1000;
    if (group === 0) continue;
    words.push(threeDigits(group, started));
    if (scales[scale]) words.push(scales[scale]);
    started = true;
  }
  const sentence = `${words.join(' ')} đồng`.replace(/\s+/g, ' ').trim();
  return sentence.charAt(0).toUpperCase() + sentence.slice(1);
}

/** Today in Vietnam (UTC+7) as YYYY-MM-DD: effective dates are Vietnamese calendar dates. */
export function todayInVietnam(now = new Date()): string {
  return new Date(now.getTime() + 7 * 3600_000).toISOString().slice(0, 10);
}
