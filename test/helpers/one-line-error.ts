// The CLI's error contract, checked on a finished run: the exit code, nothing on stdout, one
// "jailctl: ..." line (hints and commander's "(run with --help)" aside) and no stack trace.
import type { Test } from 'tap';
import type { Result } from './jailctl.js';

export function expectOneLineError(t: Test, r: Result, pattern: RegExp, code = 125): void {
  t.equal(r.code, code, `exit ${code}: ${r.stderr}`);
  t.equal(r.stdout, '', 'nothing on stdout');
  const lines = r.stderr.trim().split('\n').filter((l) => !l.startsWith('hint:') && !l.startsWith('(run with'));
  t.equal(lines.length, 1, `one line: ${r.stderr}`);
  t.match(lines[0], pattern);
  t.notMatch(r.stderr, /\n\s+at /, 'no stack trace');
}
