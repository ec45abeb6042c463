// As root: every shell example of README.md and docs/*.md runs as written (the rule that finds
// them: test/helpers/doc-examples.ts), in document order, each document in one sandbox
// (test/helpers/example-sandbox.ts: jailctl on PATH as `npm run setup` links it, cwd = the
// checkout, nothing reaches this machine). Each example must exit 0, or the status its
// `<!-- exit: N -->` says; a `console` block's output lines must appear (paths in the checkout
// relative to it). Examples marked
// `<!-- not run: REASON -->` are listed as skipped tests with their reason.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { scanDoc, type DocExample } from '../helpers/doc-examples.js';
import { runInSandbox, sandboxProblem } from '../helpers/example-sandbox.js';
import { REPO } from '../helpers/jailctl.js';

const DOCS = ['README.md', ...readdirSync(join(REPO, 'docs')).filter((f) => f.endsWith('.md')).sort().map((f) => `docs/${f}`)];
const PER_EXAMPLE_SECONDS = 120;
const MARK = '@@jailctl-doc-example';
/** bytes of each example's output kept (its end) */
const OUTPUT_KEPT = 20_000;

const scans = DOCS.map((doc) => ({ doc, scan: scanDoc(doc, readFileSync(join(REPO, doc), 'utf8')) }));

t.test('no example-looking line outside an example block', async (t) => {
  t.same(scans.flatMap((s) => s.scan.unmarked), [], 'tag the block sh/bash/console (or mark it <!-- not run: REASON -->), or make it a synopsis');
});

const problem = sandboxProblem();
if (problem !== undefined) t.test('the examples run', { skip: problem }, async () => {});
else for (const { doc, scan } of scans) runDoc(doc, scan.groups.flat());

/** One sandbox per document: its examples in order, each as its own `sh -e` with a timeout. */
function runDoc(doc: string, examples: DocExample[]): void {
  const runnable = examples.filter((e) => e.notRun === undefined);
  const script = ['set +e', 'mkdir -p /run/doc-examples', ...runnable.map(exampleScript)].join('\n');
  const r = runInSandbox(script, (runnable.length * PER_EXAMPLE_SECONDS + 60) * 1000);
  const results = parseResults(r.stdout);
  t.test(doc, async (t) => {
    for (const e of examples) {
      if (e.notRun !== undefined) {
        t.test(`${e.where}: ${firstLine(e.script)}`, { skip: `not run: ${e.notRun}` }, async () => {});
        continue;
      }
      const k = runnable.indexOf(e);
      const got = results.get(k);
      t.test(`${e.where}: ${firstLine(e.script)}`, async (t) => {
        if (got === undefined) return t.fail(`did not run (sandbox exit ${r.status})\n${r.stderr.slice(-2000)}`);
        t.equal(got.status, e.status, `exit status\n$ ${e.script}\n${got.output.slice(-3000)}`);
        // a path in this checkout prints absolute; the docs show it relative to the checkout
        const output = got.output.replaceAll(REPO.endsWith('/') ? REPO : `${REPO}/`, '');
        for (const line of e.expect ?? []) t.ok(output.includes(line), `prints ${JSON.stringify(line)}\n${got.output.slice(-2000)}`);
      });
    }
  });
}

function exampleScript(e: DocExample, k: number): string {
  const eof = `JAILCTL_DOC_EXAMPLE_${k}_EOF`;
  return [
    `cat > /run/doc-examples/${k}.sh <<'${eof}'`, e.script, eof,
    `printf '\\n${MARK} ${k} begin\\n'`,
    `timeout -k 5 ${PER_EXAMPLE_SECONDS} sh -e /run/doc-examples/${k}.sh </dev/null >/run/doc-examples/${k}.out 2>&1`,
    's=$?',
    `tail -c ${OUTPUT_KEPT} /run/doc-examples/${k}.out`,
    `printf '\\n${MARK} ${k} status %d\\n' $s`,
  ].join('\n');
}

function parseResults(stdout: string): Map<number, { status: number; output: string }> {
  const results = new Map<number, { status: number; output: string }>();
  const re = new RegExp(`\\n${MARK} (\\d+) begin\\n([\\s\\S]*?)\\n${MARK} \\1 status (\\d+)\\n`, 'g');
  for (const m of stdout.matchAll(re)) results.set(Number(m[1]), { output: m[2]!, status: Number(m[3]) });
  return results;
}

function firstLine(script: string): string {
  const line = script.split('\n')[0]!;
  return line.length > 90 ? `${line.slice(0, 87)}...` : line;
}
