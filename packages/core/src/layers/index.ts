// Public face of core/layers: filled in by its owner.
export {};
