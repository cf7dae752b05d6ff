// Public face of core/regularizers: filled in by its owner.
export {};
