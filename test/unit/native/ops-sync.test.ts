// The op codes and phases in src/native/ops.ts must match native/plan.h exactly.
import { readFileSync } from 'node:fs';
import t from 'tap';
import { OP_CODES, PHASE_CODES, PLAN_MAGIC } from '../../../src/native/ops.js';

const header = readFileSync(new URL('../../../../native/plan.h', import.meta.url), 'utf8');

function enumBody(name: string): string {
  const m = new RegExp(`enum ${name} \\{([\\s\\S]*?)\\};`).exec(header);
  if (m === null) throw new Error(`enum ${name} not found in plan.h`);
  return m[1]!.replace(/\/\*[\s\S]*?\*\//g, '');
}

t.test('op codes follow enum jc_op_code', async (t) => {
  const names = enumBody('jc_op_code').split(',').map((s) => s.trim().replace(/\s*=.*$/, '')).filter((s) => s && s !== 'JC_OP_MAX');
  const fromC = names.map((n) => n.replace(/^JC_OP_/, '').toLowerCase().replace(/_/g, '-'));
  const rename: Record<string, string> = { 'clone-flags': 'clone' };
  const expected = Object.entries(OP_CODES).sort((a, b) => a[1] - b[1]).map(([op]) => op);
  t.same(fromC.map((n) => rename[n] ?? n), expected);
  t.equal(OP_CODES.clone, 1);
});

t.test('phases follow enum jc_phase', async (t) => {
  const body = enumBody('jc_phase');
  for (const [phase, code] of Object.entries(PHASE_CODES)) {
    t.match(body, new RegExp(`JC_PHASE_${phase.toUpperCase()} = ${code}\\b`), phase);
  }
});

t.test('plan magic matches', async (t) => {
  t.match(header, `#define JC_PLAN_MAGIC "${PLAN_MAGIC}"`);
});
