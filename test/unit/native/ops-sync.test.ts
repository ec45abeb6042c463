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
  // numbered as C numbers them: one more than the last, or an explicit `= N` (codes kept free
  // for other branches leave gaps)
  const fromC: Record<string, number> = {};
  let next = 0;
  for (const entry of enumBody('jc_op_code').split(',').map((s) => s.trim()).filter((s) => s)) {
    const [name, value] = entry.split(/\s*=\s*/);
    const code = value === undefined ? next : Number(value);
    next = code + 1;
    if (name !== 'JC_OP_MAX') fromC[name!.replace(/^JC_OP_/, '').toLowerCase().replace(/_/g, '-')] = code;
  }
  const rename: Record<string, string> = { 'clone-flags': 'clone' };
  const renamed = Object.fromEntries(Object.entries(fromC).map(([n, code]) => [rename[n] ?? n, code]));
  t.same(renamed, OP_CODES);
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
