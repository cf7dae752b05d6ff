import { Command } from 'commander';
import { generateToken } from '@tensorfleet/protocol';

/** `tensorfleet token`: prints a fresh random 256-bit token for TENSORFLEET_TOKEN. */
export function tokenCommand(): Command {
  return new Command('token')
    .description('print a fresh random token (256 bits) to share as TENSORFLEET_TOKEN between the PS and its workers')
    .action(() => {
      process.stdout.write(`${generateToken()}\n`);
    });
}
