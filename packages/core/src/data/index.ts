export type { ImageDataset } from './types.js';
export { loadMnistDigits } from './mnist.js';
