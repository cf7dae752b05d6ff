// Public face of @tensorfleet/ps: being written (issue 5).
export {};
