import test from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppendedLines } from './appended-lines.js';

test('AppendedLines hands over each complete line once, holds an unfinished one, and resumes from a saved offset', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tf-appended-'));
  const file = join(dir, 'out.log');
  try {
    const reader = new AppendedLines();
    assert.deepEqual(reader.read(file), [], 'no file yet: nothing');
    writeFileSync(file, 'one\ntw');
    assert.deepEqual(reader.read(file), ['one']);
    assert.equal(reader.resumeOffset, 4, 'the unfinished line is not counted as read');
    appendFileSync(file, 'o\nthré\n');
    assert.deepEqual(reader.read(file), ['two', 'thré']);
    assert.deepEqual(reader.read(file), []);
    const successor = new AppendedLines(reader.resumeOffset);
    appendFileSync(file, 'four\nfive');
    assert.deepEqual(successor.read(file), ['four']);
    assert.deepEqual(successor.read(file, true), ['five'], 'final: the last line without its newline too');
    writeFileSync(file, 'new\n');
    assert.deepEqual(reader.read(file), ['new'], 'a truncated file is read again from its start');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
