// The hardening as procd + ujail take it (pure): the capabilities file, and the lines to add to
// the script's instance, so a device running procd gets the same jail as `jailctl service start`
// with the overlay. What ujail cannot express is said in notes.
import { isWithin } from '../../jail/host-paths.js';
import { CAP_SETS } from '../../jail/caps.js';
import type { InstanceSpec } from '../instance-spec.js';
import type { OverlayInstance } from './overlay.js';

/** procd's capabilities JSON: every set the same list. */
export function procdCapabilities(names: readonly string[]): string {
  return `${JSON.stringify(Object.fromEntries(CAP_SETS.map((set) => [set, [...names]])), null, 2)}\n`;
}

export interface ProcdFiles {
  seccomp: string;
  capabilities: string;
}

/** The lines for one instance, between procd_open_instance and procd_close_instance. */
export function procdLines(jailName: string, spec: InstanceSpec, overlay: OverlayInstance, files: ProcdFiles): { lines: string[]; notes: string[] } {
  const notes: string[] = [];
  const flags = ['ronly'];
  if (overlay.proc) flags.push('procfs');
  if (overlay.sys) flags.push('sysfs');
  const ro = overlay.ro.filter((p) => p !== '/dev/log');
  if (overlay.ro.includes('/dev/log') || overlay.sockets?.includes('/dev/log')) flags.push('log');
  for (const ns of ['net', 'user', 'cgroup'] as const) if (spec.namespaces.includes(ns)) flags.push(ns === 'net' ? 'netns' : ns === 'user' ? 'userns' : 'cgroupsns');
  const rw = [...overlay.rw];
  for (const t of overlay.tmpfs) {
    rw.push(t);
    notes.push(`${t}: a tmpfs of its own under jailctl; ujail has no tmpfs mount, so it is bound read-write from the host`);
  }
  // ujail binds /etc/resolv.conf, nsswitch.conf and (with a user) passwd/group itself
  const own = (p: string): boolean => spec.fs?.binds.some((b) => b.path === p) === true;
  const lines = [
    `procd_add_jail ${jailName} ${flags.join(' ')}`,
    ...(ro.filter((p) => !own(p)).length > 0 ? [`procd_add_jail_mount ${ro.filter((p) => !own(p)).join(' ')}`] : []),
    ...(rw.filter((p) => !own(p)).length > 0 ? [`procd_add_jail_mount_rw ${rw.filter((p) => !own(p)).join(' ')}`] : []),
    `procd_set_param capabilities ${files.capabilities}`,
    `procd_set_param seccomp ${files.seccomp}`,
    'procd_set_param no_new_privs 1',
  ];
  if (!spec.namespaces.includes('uts')) notes.push('ujail makes a UTS namespace only for a hostname: procd.sh cannot ask for one');
  if (overlay.rw.some((p) => isWithin(p, '/dev') && p !== '/dev')) notes.push('devices bound read-write: ujail binds them as procd_add_jail_mount_rw says');
  return { lines, notes };
}
