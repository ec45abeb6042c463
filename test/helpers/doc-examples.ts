// The shell examples of README.md and docs/*.md, by one explicit rule (pure):
// - a fenced block tagged `sh`, `bash` or `console` is an example: an `sh`/`bash` block runs as one
//   `sh -e` script, a `console` block's `$ ` lines run one by one (the other lines are their output);
// - in a table whose last column is headed `example`, that cell's `code` is one example;
// - an HTML comment `<!-- not run: REASON -->` before a block (or in the cell) marks an example that
//   cannot run unattended, `<!-- exit: N -->` one that exits N as the text around it says.
// Any other block (untagged, `text`, `json`) is not an example, and may not look like one: a line
// starting with `jailctl `, `sudo `, `npm `, `node ` or `$ ` there is reported (synopses with `[`, `|` or
// `...` excepted), so no example is left out silently.

export interface DocExample {
  /** FILE:LINE of the block or table row */
  where: string;
  /** shell text, run as `sh -e` with cwd = the checkout */
  script: string;
  /** the exit status the doc says (0 unless marked) */
  status: number;
  /** why it is not run, when marked */
  notRun?: string;
  /** console blocks: the output lines shown after the command, each to be found in its output */
  expect?: string[];
}

export interface DocScan {
  /** in document order; a table's rows and a block's lines share a group: they run in one sandbox */
  groups: DocExample[][];
  /** lines that look like examples outside any example block */
  unmarked: string[];
}

const EXAMPLE_TAGS = new Set(['sh', 'bash', 'console']);
const LOOKS_LIKE_COMMAND = /^(\$ |sudo |jailctl |npm |node )/;
const SYNOPSIS = /\[|\||\.\.\./;

interface Markers { notRun?: string; status: number }

/** `<!-- not run: R -->` and `<!-- exit: N -->` in `text`. */
function markersIn(text: string): Markers {
  const notRun = /<!--\s*not run:\s*(.*?)\s*-->/.exec(text)?.[1];
  const exit = /<!--\s*exit:\s*(\d+)\s*-->/.exec(text)?.[1];
  return { ...(notRun !== undefined ? { notRun } : {}), status: exit === undefined ? 0 : Number(exit) };
}

/** The markers on the non-blank lines right above line `index`. */
function markersAbove(lines: readonly string[], index: number): Markers {
  const above: string[] = [];
  for (let i = index - 1; i >= 0; i--) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    if (!line.startsWith('<!--')) break;
    above.push(line);
  }
  return markersIn(above.join('\n'));
}

function example(where: string, script: string, markers: Markers): DocExample {
  return { where, script, status: markers.status, ...(markers.notRun !== undefined ? { notRun: markers.notRun } : {}) };
}

/** Markdown table cells (`\|` is a literal bar). */
function cells(row: string): string[] {
  return row.trim().replace(/^\||\|$/g, '').split(/(?<!\\)\|/).map((c) => c.trim().replace(/\\\|/g, '|'));
}

export function scanDoc(file: string, text: string): DocScan {
  const lines = text.split('\n');
  const scan: DocScan = { groups: [], unmarked: [] };
  let tableExamples: DocExample[] | undefined;
  let i = 0;
  for (; i < lines.length; i++) {
    const line = lines[i]!;
    const fence = /^(\s*)```(\S*)\s*$/.exec(line);
    if (fence !== undefined && fence !== null) {
      const indent = fence[1]!.length;
      const start = i;
      const body: string[] = [];
      for (i++; i < lines.length && !/^\s*```\s*$/.test(lines[i]!); i++) body.push(lines[i]!.slice(indent));
      scanBlock(file, start, fence[2]!, body, markersAbove(lines, start), scan);
      continue;
    }
    if (/^\|/.test(line.trim())) {
      const row = cells(line);
      if (tableExamples === undefined) {
        tableExamples = row[row.length - 1] === 'example' ? [] : undefined;
        if (tableExamples !== undefined) { scan.groups.push(tableExamples); i++; } // skip the --- row
        else skipTable();
        continue;
      }
      const cell = row[row.length - 1]!;
      const code = /^`([^`]*)`/.exec(cell)?.[1];
      if (code !== undefined) tableExamples.push(example(`${file}:${i + 1}`, code, markersIn(cell)));
      continue;
    }
    tableExamples = undefined;
  }
  return scan;

  function skipTable(): void {
    while (i + 1 < lines.length && lines[i + 1]!.trim().startsWith('|')) i++;
  }
}

function scanBlock(file: string, start: number, tag: string, body: string[], markers: Markers, scan: DocScan): void {
  const where = `${file}:${start + 1}`;
  if (tag === 'console') {
    const group: DocExample[] = [];
    for (const l of body) {
      if (l.startsWith('$ ')) group.push({ ...example(where, l.slice(2), markers), expect: [] });
      else if (l.trim() !== '') group[group.length - 1]?.expect?.push(l);
    }
    scan.groups.push(group);
  } else if (EXAMPLE_TAGS.has(tag)) {
    scan.groups.push([example(where, body.join('\n'), markers)]);
  } else {
    for (const l of body) if (LOOKS_LIKE_COMMAND.test(l) && !SYNOPSIS.test(l)) scan.unmarked.push(`${where}: \`\`\`${tag} block: ${l}`);
  }
}
