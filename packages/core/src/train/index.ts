// Public face of core/train: filled in by its owner.
export {};
