// Public face of core/backend: filled in by its owner.
export {};
