// The static programs of `npm run build:targets` (build/targets/ARCH/) and how to run them here:
// natively for this machine's architecture, else under Debian's qemu-user-static. Each target
// says why it cannot run (not built, and why; no emulator), for tests to skip with that reason.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO } from './jailctl.js';

export const TARGETS = ['x86_64', 'aarch64', 'arm', 'mipsel', 'mips'] as const;
export type Target = (typeof TARGETS)[number];

const QEMU: Record<Target, string> = { x86_64: 'qemu-x86_64-static', aarch64: 'qemu-aarch64-static', arm: 'qemu-arm-static', mipsel: 'qemu-mipsel-static', mips: 'qemu-mips-static' };
const HOST: Target | undefined = process.arch === 'x64' ? 'x86_64' : process.arch === 'arm64' ? 'aarch64' : undefined;

function onPath(command: string): string | undefined {
  const r = spawnSync('sh', ['-c', `command -v "${command}"`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

export interface TargetRun {
  arch: Target;
  /** the program's path in build/targets/ARCH/ */
  program: (name: string) => string;
  /** argv that runs `name` with `args` here (qemu first unless this is the host's arch) */
  argv: (name: string, args: string[], qemuOptions?: string[]) => string[];
  /** the emulator, also for the host's own arch (qemu -strace works for every target) */
  qemu: string | undefined;
  /** this machine's own architecture: argv runs the program without an emulator */
  native: boolean;
  /** why the target's programs are not there, or false */
  notBuilt: string | false;
  /** why the target cannot run here (not built, or no emulator), or false */
  skip: string | false;
}

export function target(arch: Target): TargetRun {
  const dir = join(REPO, 'build', 'targets', arch);
  const qemu = onPath(QEMU[arch]);
  const program = (name: string) => join(dir, name);
  let notBuilt: string | false = false;
  if (!existsSync(program('jailctl-failsafe'))) {
    const why = existsSync(join(dir, 'SKIPPED')) ? readFileSync(join(dir, 'SKIPPED'), 'utf8').trim() : 'not built';
    notBuilt = `build/targets/${arch}: ${why} (run \`npm run build:targets\`; it needs Debian's gcc cross compilers)`;
  }
  const skip = notBuilt || (arch !== HOST && qemu === undefined ? `${QEMU[arch]} is not installed (Debian: qemu-user-static)` : false);
  const argv = (name: string, args: string[], qemuOptions: string[] = []) =>
    arch === HOST && qemuOptions.length === 0 ? [program(name), ...args] : [qemu ?? QEMU[arch], ...qemuOptions, program(name), ...args];
  return { arch, program, argv, qemu, native: arch === HOST, notBuilt, skip };
}
