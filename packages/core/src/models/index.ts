// Public face of core/models: filled in by its owner.
export {};
