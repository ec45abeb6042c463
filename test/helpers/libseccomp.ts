// libseccomp as a reference compiler for tests and benchmarks: runs test/helpers/libseccomp.py
// with Debian's /usr/bin/python3 (python3-seccomp) once per batch of profiles.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ARCHES, kernelGroupOf, type ArchName } from '../../src/profile/arch.js';
import { decodeProgram, type Insn } from '../../src/profile/bpf.js';
import type { Action, SeccompProfile } from '../../src/profile/model.js';

const PYTHON = '/usr/bin/python3';
/** build-test/test/helpers/ -> the repository's test/helpers/libseccomp.py */
const SCRIPT = fileURLToPath(new URL('../../../test/helpers/libseccomp.py', import.meta.url));

export interface LibseccompRequest {
  profile: SeccompProfile;
  arch: ArchName;
  /** SCMP_FLTATR_CTL_OPTIMIZE: 1 = priority order (default), 2 = binary tree */
  optimize?: 1 | 2;
  /** seccomp_syscall_priority() hints, 0-255 (higher is checked earlier) */
  priorities?: Record<string, number>;
  /** also export libseccomp's pseudo filter code (its rule tree as text) */
  pfc?: boolean;
  /** SCMP_FLTATR_ACT_BADARCH (default KILL_PROCESS, as jailctl's) */
  badArch?: Action;
}

export interface LibseccompFilter {
  insns: Insn[];
  /** rules libseccomp refused, with its error */
  skipped: string[];
  /** the pseudo filter code, when asked for */
  pfc?: string;
}

/** Whether python3-seccomp is importable (tests skip with a reason if not). */
export const hasLibseccomp: boolean = existsSync(PYTHON) && existsSync(SCRIPT) &&
  spawnSync(PYTHON, ['-c', 'import seccomp'], { stdio: 'ignore' }).status === 0;

/** Thrown when libseccomp did not answer in time (it loops forever on some rule orders). */
export class LibseccompTimeout extends Error {}

export function compileWithLibseccomp(requests: readonly LibseccompRequest[], timeoutMs = 120_000): LibseccompFilter[] {
  const input = JSON.stringify(requests.map(toJson), (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  const r = spawnSync(PYTHON, [SCRIPT], { input, encoding: 'utf8', maxBuffer: 64 << 20, timeout: timeoutMs, killSignal: 'SIGKILL' });
  if (r.signal === 'SIGKILL') throw new LibseccompTimeout(`libseccomp.py gave no answer in ${timeoutMs} ms`);
  if (r.status !== 0) throw new Error(`libseccomp.py failed: ${r.stderr}`);
  const out = JSON.parse(r.stdout) as ({ bpf: string; skipped: string[]; pfc?: string } | { error: string })[];
  return out.map((o, i) => {
    if ('error' in o) throw new Error(`libseccomp refused request ${i}: ${o.error}`);
    const arch = ARCHES[requests[i]!.arch];
    const insns = decodeProgram(Buffer.from(o.bpf, 'base64'), arch.endian);
    return o.pfc === undefined ? { insns, skipped: o.skipped } : { insns, skipped: o.skipped, pfc: o.pfc };
  });
}

function toJson(req: LibseccompRequest): object {
  const scmp = (a: ArchName) => ARCHES[a].scmpName.replace('SCMP_ARCH_', '');
  const group = kernelGroupOf(req.arch);
  const arches = [req.arch, ...req.profile.architectures.filter((a) => a !== req.arch && group.includes(a))];
  return {
    arches: arches.map(scmp),
    defaultAction: req.profile.defaultAction,
    rules: req.profile.rules,
    optimize: req.optimize ?? 1,
    priorities: req.priorities ?? {},
    pfc: req.pfc ?? false,
    ...(req.badArch ? { badArch: req.badArch } : {}),
  };
}
