// Public face of core/losses: filled in by its owner.
export {};
