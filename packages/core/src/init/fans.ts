/** Fan-in and fan-out of a weight tensor in tfjs layout. */
export interface Fans {
  fanIn: number;
  fanOut: number;
}

/**
 * torch's `_calculate_fan_in_and_fan_out`, read from a tfjs-layout kernel shape: dense [in, out], conv
 * [...kernel, in, out] (channels last). torch stores the same kernels as [out, in] and [out, in, ...kernel], so both
 * give fanIn = in·∏kernel and fanOut = out·∏kernel. Shapes of other ranks follow tfjs (fans = √size): torch refuses
 * tensors with fewer than 2 dimensions.
 *
 * @example
 * ```ts
 * computeFans([3, 3, 16, 32]); // { fanIn: 144, fanOut: 288 }, as torch for a Conv2d weight [32, 16, 3, 3]
 * ```
 */
export function computeFans(shape: readonly number[]): Fans {
  if (shape.length === 2) return { fanIn: shape[0]!, fanOut: shape[1]! };
  if (shape.length >= 3 && shape.length <= 5) {
    const receptiveField = shape.slice(0, -2).reduce((a, b) => a * b, 1);
    return { fanIn: shape.at(-2)! * receptiveField, fanOut: shape.at(-1)! * receptiveField };
  }
  const side = Math.sqrt(shape.reduce((a, b) => a * b, 1));
  return { fanIn: side, fanOut: side };
}
