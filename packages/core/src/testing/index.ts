export { assertClose, loadFixture } from './assert.js';
