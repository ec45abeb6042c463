// jailctl's entry point: every command (src/cli/program.ts wires them to commander).
import { registerProfile } from './commands/profile.js';
import { registerFailsafe } from './commands/failsafe.js';
import { registerOpenwrt } from './commands/openwrt.js';
import { registerRun } from './commands/run.js';
import { registerService } from './commands/service.js';
import { registerTrace } from './commands/trace.js';
import { runCli } from './program.js';

await runCli(process.argv, {
  run: registerRun,
  failsafe: registerFailsafe,
  profile: registerProfile,
  service: registerService,
  trace: registerTrace,
  uci: registerOpenwrt,
  jshn: registerOpenwrt,
  'validate-data': registerOpenwrt,
});
