/**
 * The SharedArrayBuffer through which a collective thread hands an allreduce result to the blocked main thread.
 * Int32 control words: [0] sequence number of the newest answered request, [1] status (0 ok, 1 error),
 * [2] result length (floats), [3] error text length (bytes); then the result floats, then the error text.
 */
export const CONTROL_WORDS = 4;
export const ERROR_TEXT_BYTES = 2048;

export interface SharedSlot {
  sab: SharedArrayBuffer;
  control: Int32Array;
  result: Float32Array;
  errorText: Uint8Array;
}

/** A slot able to carry results of up to `capacity` floats. */
export function createSlot(capacity: number): SharedSlot {
  return viewSlot(new SharedArrayBuffer(4 * CONTROL_WORDS + 4 * capacity + ERROR_TEXT_BYTES));
}

/** Views an existing slot buffer (the thread's side). */
export function viewSlot(sab: SharedArrayBuffer): SharedSlot {
  const capacity = (sab.byteLength - 4 * CONTROL_WORDS - ERROR_TEXT_BYTES) / 4;
  return {
    sab,
    control: new Int32Array(sab, 0, CONTROL_WORDS),
    result: new Float32Array(sab, 4 * CONTROL_WORDS, capacity),
    errorText: new Uint8Array(sab, 4 * CONTROL_WORDS + 4 * capacity, ERROR_TEXT_BYTES),
  };
}

/** Thread side: publishes the result of request `seq` and wakes the waiting main thread. */
export function answer(slot: SharedSlot, seq: number, values: Float32Array): void {
  slot.result.set(values);
  slot.control[1] = 0;
  slot.control[2] = values.length;
  Atomics.store(slot.control, 0, seq);
  Atomics.notify(slot.control, 0);
}

/** Thread side: publishes a failure of request `seq` (text truncated to the slot) and wakes the main thread. */
export function answerError(slot: SharedSlot, seq: number, message: string): void {
  const bytes = new TextEncoder().encode(message).subarray(0, ERROR_TEXT_BYTES);
  slot.errorText.set(bytes);
  slot.control[1] = 1;
  slot.control[3] = bytes.length;
  Atomics.store(slot.control, 0, seq);
  Atomics.notify(slot.control, 0);
}

/** Main side: the error text of a failed answer. */
export function readError(slot: SharedSlot): string {
  return new TextDecoder().decode(slot.errorText.slice(0, slot.control[3]!));
}
