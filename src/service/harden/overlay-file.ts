// Where a service's hardening lives (edge: reads and writes files): OVERLAYS/NAME.json (the
// overlay), NAME.seccomp.json (its profile), NAME.check.json (what --check compares with).
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { JailctlError, isErrnoError } from '../../errors.js';
import type { ServiceContext } from '../context.js';
import { DEFAULT_OVERLAY_DIR, parseOverlay, type ServiceOverlay } from './overlay.js';

export interface OverlayFiles {
  overlay: string;
  seccomp: string;
  check: string;
}

export function overlayFiles(context: ServiceContext): OverlayFiles {
  const dir = context.overlayDir ?? DEFAULT_OVERLAY_DIR;
  return { overlay: join(dir, `${context.name}.json`), seccomp: join(dir, `${context.name}.seccomp.json`), check: join(dir, `${context.name}.check.json`) };
}

/** The service's overlay, or undefined without one; an unreadable or invalid one is an error
 * (the service never starts less hardened than its overlay says). */
export function readOverlay(context: ServiceContext): ServiceOverlay | undefined {
  const file = overlayFiles(context).overlay;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if (isErrnoError(err) && err.code === 'ENOENT') return undefined;
    throw new JailctlError('IO_FAILED', `hardening overlay ${file}: cannot read it (${isErrnoError(err) ? err.code : String(err)})`, { path: file });
  }
  return parseOverlay(text, file);
}

/** Removes the overlay and the files beside it; true when there was one. */
export function removeOverlay(context: ServiceContext): boolean {
  const files = overlayFiles(context);
  const had = existsSync(files.overlay);
  for (const f of Object.values(files)) rmSync(f, { force: true });
  return had;
}
