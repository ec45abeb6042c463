// errno names -> numbers per errno family (the numbers a seccomp ERRNO action returns differ by
// arch: ENOSYS is 38 on x86/arm/generic, 89 on MIPS). Pure data from the kernel's UAPI headers:
// include/uapi/asm-generic/errno{-base,}.h, arch/mips/include/uapi/asm/errno.h, arch/powerpc/.../errno.h.

export type ErrnoFamily = 'generic' | 'mips' | 'powerpc';

/** asm-generic/errno-base.h: 1-34, shared by every arch. */
const BASE = {
  EPERM: 1, ENOENT: 2, ESRCH: 3, EINTR: 4, EIO: 5, ENXIO: 6, E2BIG: 7, ENOEXEC: 8, EBADF: 9, ECHILD: 10,
  EAGAIN: 11, ENOMEM: 12, EACCES: 13, EFAULT: 14, ENOTBLK: 15, EBUSY: 16, EEXIST: 17, EXDEV: 18,
  ENODEV: 19, ENOTDIR: 20, EISDIR: 21, EINVAL: 22, ENFILE: 23, EMFILE: 24, ENOTTY: 25, ETXTBSY: 26,
  EFBIG: 27, ENOSPC: 28, ESPIPE: 29, EROFS: 30, EMLINK: 31, EPIPE: 32, EDOM: 33, ERANGE: 34,
} as const;

/** asm-generic/errno.h: 35-133 (x86, arm, aarch64, riscv, and powerpc but for EDEADLOCK). */
const GENERIC = {
  ...BASE,
  EDEADLK: 35, ENAMETOOLONG: 36, ENOLCK: 37, ENOSYS: 38, ENOTEMPTY: 39, ELOOP: 40, ENOMSG: 42, EIDRM: 43,
  ECHRNG: 44, EL2NSYNC: 45, EL3HLT: 46, EL3RST: 47, ELNRNG: 48, EUNATCH: 49, ENOCSI: 50, EL2HLT: 51, EBADE: 52,
  EBADR: 53, EXFULL: 54, ENOANO: 55, EBADRQC: 56, EBADSLT: 57, EBFONT: 59, ENOSTR: 60, ENODATA: 61, ETIME: 62,
  ENOSR: 63, ENONET: 64, ENOPKG: 65, EREMOTE: 66, ENOLINK: 67, EADV: 68, ESRMNT: 69, ECOMM: 70, EPROTO: 71,
  EMULTIHOP: 72, EDOTDOT: 73, EBADMSG: 74, EOVERFLOW: 75, ENOTUNIQ: 76, EBADFD: 77, EREMCHG: 78, ELIBACC: 79,
  ELIBBAD: 80, ELIBSCN: 81, ELIBMAX: 82, ELIBEXEC: 83, EILSEQ: 84, ERESTART: 85, ESTRPIPE: 86, EUSERS: 87,
  ENOTSOCK: 88, EDESTADDRREQ: 89, EMSGSIZE: 90, EPROTOTYPE: 91, ENOPROTOOPT: 92, EPROTONOSUPPORT: 93,
  ESOCKTNOSUPPORT: 94, EOPNOTSUPP: 95, EPFNOSUPPORT: 96, EAFNOSUPPORT: 97, EADDRINUSE: 98, EADDRNOTAVAIL: 99,
  ENETDOWN: 100, ENETUNREACH: 101, ENETRESET: 102, ECONNABORTED: 103, ECONNRESET: 104, ENOBUFS: 105,
  EISCONN: 106, ENOTCONN: 107, ESHUTDOWN: 108, ETOOMANYREFS: 109, ETIMEDOUT: 110, ECONNREFUSED: 111,
  EHOSTDOWN: 112, EHOSTUNREACH: 113, EALREADY: 114, EINPROGRESS: 115, ESTALE: 116, EUCLEAN: 117,
  ENOTNAM: 118, ENAVAIL: 119, EISNAM: 120, EREMOTEIO: 121, EDQUOT: 122, ENOMEDIUM: 123, EMEDIUMTYPE: 124,
  ECANCELED: 125, ENOKEY: 126, EKEYEXPIRED: 127, EKEYREVOKED: 128, EKEYREJECTED: 129, EOWNERDEAD: 130,
  ENOTRECOVERABLE: 131, ERFKILL: 132, EHWPOISON: 133,
} as const;

/** arch/mips/include/uapi/asm/errno.h ("intended to be MIPS ABI compatible"). */
const MIPS = {
  ...BASE,
  ENOMSG: 35, EIDRM: 36, ECHRNG: 37, EL2NSYNC: 38, EL3HLT: 39, EL3RST: 40, ELNRNG: 41, EUNATCH: 42, ENOCSI: 43,
  EL2HLT: 44, EDEADLK: 45, ENOLCK: 46, EBADE: 50, EBADR: 51, EXFULL: 52, ENOANO: 53, EBADRQC: 54, EBADSLT: 55,
  EDEADLOCK: 56, EBFONT: 59, ENOSTR: 60, ENODATA: 61, ETIME: 62, ENOSR: 63, ENONET: 64, ENOPKG: 65,
  EREMOTE: 66, ENOLINK: 67, EADV: 68, ESRMNT: 69, ECOMM: 70, EPROTO: 71, EDOTDOT: 73, EMULTIHOP: 74,
  EBADMSG: 77, ENAMETOOLONG: 78, EOVERFLOW: 79, ENOTUNIQ: 80, EBADFD: 81, EREMCHG: 82, ELIBACC: 83,
  ELIBBAD: 84, ELIBSCN: 85, ELIBMAX: 86, ELIBEXEC: 87, EILSEQ: 88, ENOSYS: 89, ELOOP: 90, ERESTART: 91,
  ESTRPIPE: 92, ENOTEMPTY: 93, EUSERS: 94, ENOTSOCK: 95, EDESTADDRREQ: 96, EMSGSIZE: 97, EPROTOTYPE: 98,
  ENOPROTOOPT: 99, EPROTONOSUPPORT: 120, ESOCKTNOSUPPORT: 121, EOPNOTSUPP: 122, EPFNOSUPPORT: 123,
  EAFNOSUPPORT: 124, EADDRINUSE: 125, EADDRNOTAVAIL: 126, ENETDOWN: 127, ENETUNREACH: 128, ENETRESET: 129,
  ECONNABORTED: 130, ECONNRESET: 131, ENOBUFS: 132, EISCONN: 133, ENOTCONN: 134, EUCLEAN: 135, ENOTNAM: 137,
  ENAVAIL: 138, EISNAM: 139, EREMOTEIO: 140, EINIT: 141, EREMDEV: 142, ESHUTDOWN: 143, ETOOMANYREFS: 144,
  ETIMEDOUT: 145, ECONNREFUSED: 146, EHOSTDOWN: 147, EHOSTUNREACH: 148, EALREADY: 149, EINPROGRESS: 150,
  ESTALE: 151, ECANCELED: 158, ENOMEDIUM: 159, EMEDIUMTYPE: 160, ENOKEY: 161, EKEYEXPIRED: 162,
  EKEYREVOKED: 163, EKEYREJECTED: 164, EOWNERDEAD: 165, ENOTRECOVERABLE: 166, ERFKILL: 167, EHWPOISON: 168,
  EDQUOT: 1133,
} as const;

/** Aliases: the same number under a second name (glibc's ENOTSUP too). */
const ALIASES: Readonly<Record<ErrnoFamily, Readonly<Record<string, string | number>>>> = {
  generic: { EWOULDBLOCK: 'EAGAIN', EDEADLOCK: 'EDEADLK', ENOTSUP: 'EOPNOTSUPP' },
  mips: { EWOULDBLOCK: 'EAGAIN', ENOTSUP: 'EOPNOTSUPP' },
  // arch/powerpc/include/uapi/asm/errno.h: EDEADLOCK is its own number there.
  powerpc: { EWOULDBLOCK: 'EAGAIN', EDEADLOCK: 58, ENOTSUP: 'EOPNOTSUPP' },
};

const PRIMARY: Readonly<Record<ErrnoFamily, Readonly<Record<string, number>>>> = {
  generic: GENERIC,
  mips: MIPS,
  powerpc: GENERIC,
};

/** Every name (primary and alias) -> number, per family; built on first use (a trace that only
 * names errnos never needs it). */
const WITH_ALIASES: Partial<Record<ErrnoFamily, Readonly<Record<string, number>>>> = {};
export function errnoTable(family: ErrnoFamily): Readonly<Record<string, number>> {
  return (WITH_ALIASES[family] ??= withAliases(family));
}

function withAliases(family: ErrnoFamily): Record<string, number> {
  const table: Record<string, number> = { ...PRIMARY[family] };
  for (const [alias, target] of Object.entries(ALIASES[family])) {
    const nr = typeof target === 'number' ? target : table[target];
    if (nr !== undefined) table[alias] = nr;
  }
  return table;
}

/** The number of an errno name (EPERM, ENOSYS ...) in one family, or undefined. */
export function resolveErrno(family: ErrnoFamily, name: string): number | undefined {
  return errnoTable(family)[name.toUpperCase()];
}

/** The primary name of an errno number in one family (EAGAIN, not EWOULDBLOCK), or undefined. */
export function errnoName(family: ErrnoFamily, errno: number): string | undefined {
  return (NAMES_BY_NUMBER[family] ??= namesByNumber(family)).get(errno);
}

/** Built on first use: the tracer names an errno for every failed call it records. */
const NAMES_BY_NUMBER: Partial<Record<ErrnoFamily, Map<number, string>>> = {};

function namesByNumber(family: ErrnoFamily): Map<number, string> {
  const names = new Map<number, string>();
  for (const [name, nr] of Object.entries(PRIMARY[family])) if (!names.has(nr)) names.set(nr, name);
  if (family === 'powerpc' && !names.has(58)) names.set(58, 'EDEADLOCK');
  return names;
}
