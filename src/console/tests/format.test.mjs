// Amounts as Vietnamese users type and read them (src/format.ts), without a browser.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import ts from 'typescript';

const source = readFileSync(new URL('../src/format.ts', import.meta.url), 'utf8');
const { outputText } = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } });
const format = await import(`data:text/javascript;base64,${Buffer.from(outputText).toString('base64')}`);

test('amounts are shown in vi-VN form', () => {
  assert.equal(format.vnd(5_944_431_000_000), '5.944.431.000.000 ₫');
  assert.equal(format.inBillions(5_944_431_000_000), '5.944,4');
});

test('an amount is read as people type it, in groups or with a unit', () => {
  for (const [typed, amount] of [
    ['40.000.000.000', 40_000_000_000], ['40 000 000 000', 40_000_000_000], ['40 tỷ', 40_000_000_000], ['40tỷ', 40_000_000_000],
    ['40 ty', 40_000_000_000], ['1,5 tỷ đồng', 1_500_000_000], ['250 triệu', 250_000_000], ['2 nghìn tỷ', 2_000_000_000_000],
    ['1.000.000 ₫', 1_000_000], ['40 bn', 40_000_000_000],
  ]) assert.equal(format.parseAmount(typed), amount, typed);
});

test('what is not a whole positive number of đồng is not an amount', () => {
  for (const typed of ['', 'abc', '0', '-5', '1,5', '1,0000000001 tỷ', '40 quả', '1e9']) assert.equal(format.parseAmount(typed), null, typed);
});

test('an amount is echoed in words as on a payment order', () => {
  assert.equal(format.amountInWords(40_000_000_000), 'Bốn mươi tỷ đồng');
  assert.equal(format.amountInWords(105_000), 'Một trăm linh năm nghìn đồng');
  assert.equal(format.amountInWords(1_234_567_891_021), 'Một nghìn hai trăm ba mươi tư tỷ năm trăm sáu mươi bảy triệu tám trăm chín mươi mốt nghìn không trăm hai mươi mốt đồng');
  assert.equal(format.amountInWords(15_000_000), 'Mười lăm triệu đồng');
});

test('names are found without diacritics', () => {
  assert.equal(format.fold('Xã Cần Giờ'), 'xa can gio');
  assert.equal(format.fold('Thành phố Đà Nẵng'), 'thanh pho da nang');
});
