import { Command } from 'commander';
import { loadMnistDigits, writePreviewPng, type AugmentConfig } from '@tensorfleet/core';
import { numberArg } from './options.js';

/** `tensorfleet data preview`: a PNG grid of augmented training samples, because people would rather look than read. */
export function dataCommand(): Command {
  const data = new Command('data').description('look at the data pipeline');
  data
    .command('preview')
    .description('write a PNG grid of MNIST digits after the chosen augmentations')
    .option('-o, --out <file>', 'PNG file to write', 'preview.png')
    .option('--count <n>', 'samples in the grid', numberArg('--count', true), 16)
    .option('--seed <n>', 'seed of the sample choice and the transforms', numberArg('--seed', true), 0)
    .option('--shift <fraction>', 'random shift up to this fraction of the size', numberArg('--shift'))
    .option('--brightness <factor>', 'random brightness factor (ColorJitter)', numberArg('--brightness'))
    .option('--erasing <p>', 'random erasing probability (torchvision scale/ratio)', numberArg('--erasing'))
    .option('--hflip <p>', 'random horizontal flip probability', numberArg('--hflip'))
    .option('--vflip <p>', 'random vertical flip probability', numberArg('--vflip'))
    .option('--force', 'allow transforms the dataset declares label-changing (e.g. flips of digits)')
    .action((flags: { out: string; count: number; seed: number; shift?: number; brightness?: number; erasing?: number; hflip?: number; vflip?: number; force?: boolean }) => {
      const force = flags.force === true ? { force: true } : {};
      const transforms: AugmentConfig = {
        ...(flags.shift !== undefined ? { randomShift: { x: flags.shift, y: flags.shift, ...force } } : {}),
        ...(flags.brightness !== undefined ? { randomBrightness: { factor: flags.brightness, ...force } } : {}),
        ...(flags.erasing !== undefined ? { randomErasing: { p: flags.erasing, ...force } } : {}),
        ...(flags.hflip !== undefined ? { randomHorizontalFlip: { p: flags.hflip, ...force } } : {}),
        ...(flags.vflip !== undefined ? { randomVerticalFlip: { p: flags.vflip, ...force } } : {}),
      } as AugmentConfig;
      const written = writePreviewPng(loadMnistDigits(), { path: flags.out, transforms, count: flags.count, seed: flags.seed });
      process.stdout.write(`${written.path} (${written.width}x${written.height})\n`);
    });
  return data;
}
