// Public face of core/optim: filled in by its owner.
export {};
