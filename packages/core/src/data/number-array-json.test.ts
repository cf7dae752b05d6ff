import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { readNumberArrayJson } from './number-array-json.js';

const encode = (text: string) => new TextEncoder().encode(text);
/** What the reader must give: JSON.parse's numbers stored as float32. */
const viaJsonParse = (text: string) => Float32Array.from(JSON.parse(text) as number[]);
const bitsOf = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

test('readNumberArrayJson gives the float32 bits of JSON.parse for plain decimals, and the index after the array', () => {
  let seed = 7;
  const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
  const number = () => {
    const int = String(Math.floor(random() * 10 ** Math.floor(random() * 8)));
    const frac = random() < 0.7 ? `.${String(Math.floor(random() * 1e15)).padStart(15, '0').slice(0, 1 + Math.floor(random() * 7))}` : '';
    return `${random() < 0.3 ? '-' : ''}${int}${frac}`;
  };
  const items = Array.from({ length: 20_000 }, number);
  items.push('0', '-0', '0.000001', '123456789012345', '0.1', '0.2', '0.3', '16777217', '3.40282356779733', '1.00000005960464', '0.999999970197678');
  for (const sep of [',', ', ', ' ,\n\t']) {
    const text = `[${items.join(sep)}]`;
    const got = readNumberArrayJson(encode(`{"data": ${text} }`), 9);
    assert.ok(got, `separator ${JSON.stringify(sep)}`);
    assert.deepEqual(bitsOf(got.values), bitsOf(viaJsonParse(text)));
    assert.equal(got.end, 9 + encode(text).length);
  }
  assert.deepEqual(readNumberArrayJson(encode('[ ]'), 0), { values: new Float32Array(0), end: 3 });
  assert.ok(Object.is(readNumberArrayJson(encode('[-0]'), 0)!.values[0], -0));
});

test('readNumberArrayJson returns null for anything it does not read exactly, so the caller asks JSON.parse', () => {
  for (const text of ['[1e3]', '[1E-2]', '[12345678901234567]', '[0.12345678901234567]', '[0.0000000000000000000000001]', '[01]', '[1.]', '[.5]', '[-]', '[+1]', '["1"]', '[[1]]', '[null]', '[1,]', '[1 2]', '[1', '{"data": [1]}', '[NaN]']) {
    assert.equal(readNumberArrayJson(encode(text), 0), null, text);
  }
});

test("the bundled digits' files read to JSON.parse's values, bit for bit", () => {
  const require = createRequire(import.meta.url);
  for (let digit = 0; digit < 10; digit++) {
    const bytes = readFileSync(require.resolve(`mnist/src/digits/${digit}.json`));
    const got = readNumberArrayJson(bytes, bytes.indexOf(0x5b));
    assert.ok(got, `digit ${digit}: read`);
    assert.deepEqual(bitsOf(got.values), bitsOf(Float32Array.from((JSON.parse(bytes.toString('utf8')) as { data: number[] }).data)), `digit ${digit}`);
  }
});
