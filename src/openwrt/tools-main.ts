// Entry of dist/openwrt-tools.cjs, which the shell library's wrappers (uci, validate_data,
// jshn) run: `node openwrt-tools.cjs TOOL ARGS...`. Output is written synchronously so that the
// exit status follows it at once.
import { writeSync } from 'node:fs';
import { runTool } from './tools.js';

function write(fd: number, text: string): void {
  const bytes = Buffer.from(text, 'utf8');
  for (let off = 0; off < bytes.length; ) {
    try {
      off += writeSync(fd, bytes, off);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EAGAIN') continue;
      if ((err as NodeJS.ErrnoException).code === 'EPIPE') process.exit(141);
      throw err;
    }
  }
}

process.exitCode = runTool(process.argv.slice(2), { out: (t) => write(1, t), err: (t) => write(2, t), env: process.env });
