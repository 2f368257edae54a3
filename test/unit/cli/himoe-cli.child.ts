// The `himoe` CLI from the TypeScript sources, for tests that need it as a real process
// (e.g. to kill a recorder with SIGKILL): node --import tsx himoe-cli.child.ts <args>.
import { main } from '../../../src-main/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
