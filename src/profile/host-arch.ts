// The names of the architectures jailctl knows, and which one this Node runs on. Apart from
// arch.ts so that a planner needing only the host's name does not load every syscall table.
import { JailctlError } from '../errors.js';

export type ArchName =
  | 'x86_64' | 'i386' | 'x32' | 'aarch64' | 'arm' | 'mips' | 'mipsel' | 'mips64' | 'mips64el'
  | 'mips64n32' | 'mipsel64n32' | 'riscv64' | 'powerpc' | 'ppc64' | 'ppc64le';

/** Node's process.arch -> our name; ppc64 depends on endianness. */
export const NODE_ARCHES: Readonly<Record<string, ArchName>> = {
  x64: 'x86_64', ia32: 'i386', arm64: 'aarch64', arm: 'arm', mips: 'mips', mipsel: 'mipsel',
  mips64: 'mips64', mips64el: 'mips64el', riscv64: 'riscv64', ppc: 'powerpc',
};

/** Our arch name for a Node process.arch and os.endianness() (defaults: this process). */
export function archFromNode(nodeArch: string = process.arch, endianness: 'LE' | 'BE' = hostEndianness()): ArchName {
  if (nodeArch === 'ppc64') return endianness === 'LE' ? 'ppc64le' : 'ppc64';
  const name = NODE_ARCHES[nodeArch];
  if (name) return name;
  throw new JailctlError('ARCH_UNKNOWN', `seccomp filters are not supported on ${nodeArch}`, {
    hint: `pass --arch with one of the architectures jailctl compiles for (x86_64, aarch64, mipsel, ...; see README)`,
  });
}

function hostEndianness(): 'LE' | 'BE' {
  return new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 'LE' : 'BE';
}
