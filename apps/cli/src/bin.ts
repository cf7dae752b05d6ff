#!/usr/bin/env node
import { paceGarbageCollection } from './gc-pacing.js';
import { main } from './main.js';

paceGarbageCollection(); // before any command allocates: every tensorfleet process trains or serves training
await main(process.argv);
