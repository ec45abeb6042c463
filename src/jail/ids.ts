// User and group names -> numeric ids from the host's /etc/passwd and /etc/group, with the
// supplementary groups initgroups(3) would give. Pure: the files come in as text.
import { JailctlError } from '../errors.js';

export interface Identity {
  uid: number;
  gid: number;
  groups: number[];
  /** the user's name when known, for messages */
  user: string | undefined;
}

interface PasswdEntry { name: string; uid: number; gid: number }
interface GroupEntry { name: string; gid: number; members: string[] }

export function parsePasswd(text: string): PasswdEntry[] {
  return text.split('\n').filter((l) => l && !l.startsWith('#')).flatMap((line) => {
    const f = line.split(':');
    const uid = Number(f[2]);
    const gid = Number(f[3]);
    return f.length >= 4 && Number.isInteger(uid) && Number.isInteger(gid) ? [{ name: f[0]!, uid, gid }] : [];
  });
}

export function parseGroup(text: string): GroupEntry[] {
  return text.split('\n').filter((l) => l && !l.startsWith('#')).flatMap((line) => {
    const f = line.split(':');
    const gid = Number(f[2]);
    return f.length >= 3 && Number.isInteger(gid) ? [{ name: f[0]!, gid, members: (f[3] ?? '').split(',').filter(Boolean) }] : [];
  });
}

const NUMERIC = /^\d+$/;

/** Resolves --user/--group. Without --user the service stays root (uid 0) inside the jail. */
export function resolveIdentity(user: string | undefined, group: string | undefined, passwdText: string, groupText: string): Identity {
  const passwd = parsePasswd(passwdText);
  const groups = parseGroup(groupText);
  let uid = 0;
  let gid = 0;
  let name: string | undefined = 'root';
  if (user !== undefined) {
    const entry = NUMERIC.test(user) ? passwd.find((p) => p.uid === Number(user)) : passwd.find((p) => p.name === user);
    if (entry === undefined && !NUMERIC.test(user)) {
      throw new JailctlError('USER_UNKNOWN', `--user ${user}: no such user in /etc/passwd`, { hint: 'give a user name from /etc/passwd or a numeric uid' });
    }
    uid = entry?.uid ?? Number(user);
    gid = entry?.gid ?? Number(user);
    name = entry?.name;
  }
  if (group !== undefined) {
    const entry = NUMERIC.test(group) ? groups.find((g) => g.gid === Number(group)) : groups.find((g) => g.name === group);
    if (entry === undefined && !NUMERIC.test(group)) {
      throw new JailctlError('GROUP_UNKNOWN', `--group ${group}: no such group in /etc/group`, { hint: 'give a group name from /etc/group or a numeric gid' });
    }
    gid = entry?.gid ?? Number(group);
  }
  checkId(uid, `--user ${user ?? ''}`);
  checkId(gid, `--group ${group ?? ''}`);
  const supplementary = user === undefined || name === undefined ? [] : groups.filter((g) => g.members.includes(name!)).map((g) => g.gid);
  return { uid, gid, groups: [...new Set([gid, ...supplementary])].sort((a, b) => a - b), user: name };
}

function checkId(id: number, what: string): void {
  if (!Number.isSafeInteger(id) || id < 0 || id >= 0xffffffff) {
    throw new JailctlError('USER_UNKNOWN', `${what.trim()}: ${id} is not a valid id`);
  }
}
