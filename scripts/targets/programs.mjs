// What build:targets compiles: the launcher (its sources are binding.gyp's, the one list), the
// failsafe daemon, and the C runner of the failsafe test vectors.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const FAILSAFE_CORE = ['hmac-sha256.c', 'codec.c', 'uci-key.c', 'verifier.c'].map((f) => `native/failsafe/${f}`);

function gypSources(root, target) {
  const gyp = JSON.parse(readFileSync(join(root, 'binding.gyp'), 'utf8'));
  const found = gyp.targets.find((t) => t.target_name === target);
  if (found === undefined) throw new Error(`binding.gyp has no target ${target}`);
  return found.sources;
}

/** name -> sources (relative to the repository), in link order. */
export function programs(root) {
  const daemon = readdirSync(join(root, 'native', 'failsafe')).filter((f) => f.endsWith('.c')).sort().map((f) => `native/failsafe/${f}`);
  return {
    'jailctl-launch': gypSources(root, 'jailctl-launch'),
    'jailctl-failsafe': [...daemon, 'native/packet.c', 'native/errname.c'],
    'failsafe-vectors': ['test/native/failsafe-vectors.c', ...FAILSAFE_CORE],
  };
}

/** Every file a change to which means "build again": C sources and headers. */
export function inputs(root) {
  const c = (dir) => (existsSync(join(root, dir)) ? readdirSync(join(root, dir)).filter((f) => /\.[ch]$/.test(f)).map((f) => join(root, dir, f)) : []);
  return [...c('native'), ...c('native/failsafe'), ...c('native/targets'), ...c('test/native'), join(root, 'binding.gyp')];
}

/** Size and warnings: -Os, sections the linker can drop, no unwind tables, stripped. */
export const CFLAGS = ['-std=gnu11', '-Os', '-Wall', '-Wextra', '-Werror', '-fstack-protector-strong', '-fno-pie', '-ffunction-sections', '-fdata-sections', '-fno-asynchronous-unwind-tables'];
// 4 KiB pages: every router kernel we target; the default 64 KiB alignment pads aarch64 and mips files
export const LDFLAGS = ['-static', '-no-pie', '-s', '-Wl,--gc-sections', '-Wl,-z,max-page-size=4096', '-Wl,--build-id=none'];

/** The largest a program may be (a router's flash is 8-32 MB). */
export const MAX_BYTES = 256 * 1024;
