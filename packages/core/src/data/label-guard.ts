import type { ImageDataset, TransformName } from './types.js';

export const ALL_TRANSFORMS: readonly TransformName[] = [
  'randomShift',
  'randomHorizontalFlip',
  'randomVerticalFlip',
  'randomBrightness',
  'randomErasing',
];

// Why a known dataset refuses a transform: the error quotes it so the user sees the lecture's point, not just "no".
const KNOWN: Record<string, { allowed: TransformName[]; refused: Partial<Record<TransformName, string>> }> = {
  'mnist-digits': {
    allowed: ['randomShift', 'randomBrightness', 'randomErasing'],
    refused: {
      randomVerticalFlip: 'a vertical flip turns a 6 into a 9 and a 9 into a 6',
      randomHorizontalFlip: 'a mirrored digit is not a digit (a mirrored 2 looks like a 5, a mirrored 7 like nothing)',
    },
  },
  'fashion-mnist': {
    allowed: ['randomShift', 'randomHorizontalFlip', 'randomBrightness', 'randomErasing'],
    refused: { randomVerticalFlip: 'upside-down garments and shoes never occur in the data' },
  },
  cifar10: {
    allowed: ['randomShift', 'randomHorizontalFlip', 'randomBrightness', 'randomErasing'],
    refused: { randomVerticalFlip: 'upside-down scenes (ships on the sky, cars on the roof) never occur in the data' },
  },
};
KNOWN['mnist'] = KNOWN['mnist-digits']!;

// Splits and subsets are named like "mnist-digits/train" or "mnist-digits[split 0]": they keep their source's traits.
function baseName(name: string): string {
  return name.split(/[/[]/)[0]!;
}

/** The label-preserving transforms of a known dataset name (mnist-digits, mnist, fashion-mnist, cifar10). */
export function knownAllowedTransforms(name: string): TransformName[] | undefined {
  return KNOWN[baseName(name)]?.allowed.slice();
}

/** The transforms `ds` declares label-preserving: its own list, else the known list for its name, else all. */
export function allowedTransformsOf(ds: ImageDataset): readonly TransformName[] {
  return ds.allowedTransforms ?? knownAllowedTransforms(ds.name) ?? ALL_TRANSFORMS;
}

/**
 * The reasonableness guard: throws when a requested transform is not declared label-preserving for `ds`,
 * unless that transform's options say `force: true`.
 *
 * @example
 * assertLabelPreserving(loadMnistDigits(), { randomVerticalFlip: { p: 0.5 } }); // throws: 6 ↔ 9
 * assertLabelPreserving(loadMnistDigits(), { randomVerticalFlip: { p: 0.5, force: true } }); // allowed
 */
export function assertLabelPreserving(
  ds: ImageDataset,
  requested: Partial<Record<TransformName, { force?: boolean } | undefined>>,
): void {
  const allowed = allowedTransformsOf(ds);
  for (const name of ALL_TRANSFORMS) {
    const options = requested[name];
    if (!options || options.force === true || allowed.includes(name)) continue;
    const reason = KNOWN[baseName(ds.name)]?.refused[name];
    throw new Error(
      `augment.${name} is not label-preserving for dataset "${ds.name}"` +
        (reason ? ` (${reason})` : '') +
        `; it allows ${allowed.length ? allowed.join(', ') : 'no transforms'}. ` +
        `Set augment.${name}.force = true to apply it anyway.`,
    );
  }
}
