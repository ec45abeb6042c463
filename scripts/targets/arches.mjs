// The router architectures jailctl's static programs are built for (npm run build:targets), with
// the Debian cross compiler, the qemu-user emulator and the C flags of each. Names are the
// kernel/audit names of src/profile/arch.ts.
import { arch as nodeArch, endianness } from 'node:os';

/**
 * MIPS routers (ath79, ramips, lantiq) have no FPU and OpenWrt builds them soft-float: so do we
 * (musl's mips-sf), and native/targets/softfp-trap.c keeps Debian's hard-float libgcc helpers
 * out, so no FPU instruction reaches a kernel without FPU emulation. ARM targets here are
 * hard-float (armv7, Debian's armhf defaults: Cortex-A7/A9/A53 routers).
 */
export const ARCHES = {
  x86_64: { triplet: 'x86_64-linux-gnu', gccPackage: 'gcc-x86-64-linux-gnu', qemu: 'qemu-x86_64-static', cflags: [], bigEndian: false },
  aarch64: { triplet: 'aarch64-linux-gnu', gccPackage: 'gcc-aarch64-linux-gnu', qemu: 'qemu-aarch64-static', cflags: [], bigEndian: false },
  arm: { triplet: 'arm-linux-gnueabihf', gccPackage: 'gcc-arm-linux-gnueabihf', qemu: 'qemu-arm-static', cflags: [], bigEndian: false },
  mipsel: { triplet: 'mipsel-linux-gnu', gccPackage: 'gcc-mipsel-linux-gnu', qemu: 'qemu-mipsel-static', cflags: ['-msoft-float'], bigEndian: false, softFloat: true },
  mips: { triplet: 'mips-linux-gnu', gccPackage: 'gcc-mips-linux-gnu', qemu: 'qemu-mips-static', cflags: ['-msoft-float'], bigEndian: true, softFloat: true },
};

export const ARCH_NAMES = Object.keys(ARCHES);

/** This machine's name in ARCHES, or undefined. */
export function hostArch() {
  const byNode = { x64: 'x86_64', arm64: 'aarch64', arm: 'arm', mipsel: 'mipsel', mips: endianness() === 'BE' ? 'mips' : 'mipsel' };
  return byNode[nodeArch()];
}

/** The C compiler for `name`: the host's own gcc for the host architecture, else the cross gcc. */
export function compilerFor(name) {
  return name === hostArch() ? 'gcc' : `${ARCHES[name].triplet}-gcc`;
}

/**
 * Where the kernel's UAPI headers (linux/, asm/, asm-generic/) are for `name`: Debian's
 * linux-libc-dev (host) or linux-libc-dev-ARCH-cross (installed with the cross gcc).
 */
export function kernelHeaderDirs(name) {
  const { triplet } = ARCHES[name];
  if (name === hostArch()) return { linux: '/usr/include/linux', 'asm-generic': '/usr/include/asm-generic', asm: `/usr/include/${triplet}/asm`, mtd: '/usr/include/mtd' };
  const base = `/usr/${triplet}/include`;
  return { linux: `${base}/linux`, 'asm-generic': `${base}/asm-generic`, asm: `${base}/asm`, mtd: `${base}/mtd` };
}
