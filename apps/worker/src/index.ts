// Public face of @tensorfleet/worker: being written (issue 5).
export {};
