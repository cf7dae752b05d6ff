// Public face of core/schedulers: filled in by its owner.
export {};
