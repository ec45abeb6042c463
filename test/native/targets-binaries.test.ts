// What `npm run build:targets` ships for each router architecture: jailctl-launch and
// jailctl-failsafe as static ELF executables of that machine (class, byte order, e_machine, no
// interpreter, no shared library), at most 256 KiB each; on soft-float MIPS not one FPU
// instruction (see native/targets/softfp-trap.c), checked with the cross binutils' objdump.
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import t from 'tap';
import { parseElf } from '../../src/jail/elf.js';
import { TARGETS, target, type Target } from '../helpers/targets.js';

const ELF: Record<Target, { class: 32 | 64; endian: 'le' | 'be'; machine: number }> = {
  x86_64: { class: 64, endian: 'le', machine: 62 },
  aarch64: { class: 64, endian: 'le', machine: 183 },
  arm: { class: 32, endian: 'le', machine: 40 },
  mipsel: { class: 32, endian: 'le', machine: 8 },
  mips: { class: 32, endian: 'be', machine: 8 },
};
const OBJDUMP: Partial<Record<Target, string>> = { mipsel: 'mipsel-linux-gnu-objdump', mips: 'mips-linux-gnu-objdump' };
/** Coprocessor-1 (FPU) loads, stores, moves, branches and arithmetic. */
const FPU_INSTRUCTION = /\t(?:lwc1|swc1|ldc1|sdc1|mtc1|mfc1|mthc1|mfhc1|cfc1|ctc1|bc1[tf]l?|(?:add|sub|mul|div|abs|neg|mov|sqrt|cvt\.[sdw]|trunc\.w|round\.w|ceil\.w|floor\.w|c\.[a-z]+)\.[sdw])\s/;

for (const arch of TARGETS) {
  const tg = target(arch);
  t.test(`${arch}: static executables of that machine, at most 256 KiB`, { skip: tg.notBuilt }, async (t) => {
    for (const program of ['jailctl-launch', 'jailctl-failsafe']) {
      const path = tg.program(program);
      const bytes = readFileSync(path);
      const elf = parseElf((offset, length) => bytes.subarray(offset, offset + length), path);
      t.match(elf, { ...ELF[arch], interpreter: undefined, needed: [], isStatic: true }, program);
      t.ok(statSync(path).size <= 256 * 1024, `${program}: ${statSync(path).size} bytes`);
    }
  });

  const objdump = OBJDUMP[arch];
  if (objdump === undefined) continue;
  const haveObjdump = spawnSync('sh', ['-c', `command -v ${objdump}`]).status === 0;
  t.test(`${arch}: soft-float, not one FPU instruction`, { skip: tg.notBuilt || (haveObjdump ? false : `${objdump} is not installed (binutils-${arch}-linux-gnu)`) }, async (t) => {
    for (const program of ['jailctl-launch', 'jailctl-failsafe', 'failsafe-vectors']) {
      const listing = spawnSync(objdump, ['-d', tg.program(program)], { encoding: 'utf8', maxBuffer: 64 << 20 }).stdout;
      t.ok(listing.length > 10_000, `${program}: disassembled`);
      t.same(listing.split('\n').filter((l) => FPU_INSTRUCTION.test(l)).slice(0, 5), [], program);
      const attributes = spawnSync(objdump.replace('objdump', 'readelf'), ['-A', tg.program(program)], { encoding: 'utf8' }).stdout;
      t.match(attributes, /FP ABI: Soft float/, `${program}: marked soft-float`);
    }
  });
}
