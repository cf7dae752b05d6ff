// Public face of core/init: filled in by its owner.
export {};
