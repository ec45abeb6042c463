/* The launch plan as the C side sees it: a flat list of operations prepared by TypeScript
 * (src/native/plan-codec.ts encodes it). C interprets it step by step and decides nothing.
 * Keep the op codes and phases in sync with src/native/ops.ts (a test checks them). */
#ifndef JC_PLAN_H
#define JC_PLAN_H

#include <stddef.h>
#include <stdint.h>

#define JC_PLAN_MAGIC "JCPLAN01"

enum jc_phase {
  JC_PHASE_CONFIG = 0,  /* read by the launcher before clone() */
  JC_PHASE_PARENT = 1,  /* launcher, after clone(), before releasing the child */
  JC_PHASE_JAIL = 2,    /* pid 1 of the new namespaces */
  JC_PHASE_SERVICE = 3, /* the service process, forked by pid 1, ends in execve */
  JC_PHASE_CLEANUP = 4, /* launcher, after the jail is gone */
};

enum jc_op_code {
  JC_OP_CLONE_FLAGS = 1,    /* ints: flags */
  JC_OP_FORWARD_SIGNALS,    /* ints: signal numbers */
  JC_OP_WRITE_CHILD_FILE,   /* strs: file under /proc/<child>/, content */
  JC_OP_MKDIR,              /* ints: mode; strs: path */
  JC_OP_WRITE_FILE,         /* strs: path, content */
  JC_OP_ATTACH_CGROUP,      /* strs: path of cgroup.procs; writes the child's pid */
  JC_OP_RMDIR,              /* strs: path; retried while the cgroup empties */
  JC_OP_MOUNT,              /* ints: flags; strs: source, target, fstype, data */
  JC_OP_BIND,               /* ints: recursive; strs: source, target, proc dir */
  JC_OP_REMOUNT,            /* ints: flags; strs: target */
  JC_OP_MKFILE,             /* ints: mode; strs: path */
  JC_OP_SYMLINK,            /* strs: target, link path */
  JC_OP_PIVOT_ROOT,         /* strs: new root, put old */
  JC_OP_UMOUNT,             /* ints: flags; strs: target */
  JC_OP_CHDIR,              /* strs: path */
  JC_OP_SETHOSTNAME,        /* strs: name */
  JC_OP_LOOPBACK_UP,        /* strs: interface name */
  JC_OP_UNSHARE,            /* ints: flags */
  JC_OP_FORK_SERVICE,       /* pid 1 forks; the child runs the SERVICE phase */
  JC_OP_RLIMIT,             /* ints: resource, soft, hard */
  JC_OP_SETGROUPS,          /* ints: gids */
  JC_OP_SETRESGID,          /* ints: gid */
  JC_OP_KEEPCAPS,           /* ints: 0|1 */
  JC_OP_SETRESUID,          /* ints: uid */
  JC_OP_CAPS,               /* ints: bounding, effective, permitted, inheritable, ambient, securebits|-1 */
  JC_OP_NO_NEW_PRIVS,
  JC_OP_SETSID,
  JC_OP_CLOSE_FDS,
  JC_OP_SECCOMP,            /* ints: flags, listener (0|1), handshake nr; strs: filter (struct sock_filter
                               array); with a listener its fd number goes to pid 1 first, then the
                               service makes the handshake call and waits for pid 1's answer */
  JC_OP_EXECVE,             /* ints: argc, envc, exit if ENOENT, exit if EACCES; strs: path, argv, envp */
  JC_OP_TRACE,              /* ints: trace fd, then (arch, nr, kind, arg, aux arg, flags arg) per capture */
  JC_OP_TRACE_ME,           /* the service stops for pid 1, its tracer */
  JC_OP_SECCOMP_NOTIFY,     /* pid 1 answers the service's seccomp notifications (native/notify.h):
                               ints: handshake arch, handshake nr, n, (arch, nr) of the n execs that
                               may continue once, (arch, nr) per name; strs: answer program, names */
  JC_OP_SUPERVISE,          /* ints: respawn, threshold ms, timeout ms, retry, term timeout ms, ready fd,
                               hook argc, hook envc; strs: state file, log file, syslog ident, pidfile,
                               hook argv, hook envp (the hook runs after every respawn) */
  JC_OP_DIE_WITH_PARENT,    /* ints: pid of the parent that stays (jailctl trace, --learn): the
                               launcher dies with it, and starts nothing if it is gone already */
  JC_OP_SETATTR,            /* ints: MOUNT_ATTR_* to set, to clear, recursive; strs: target */
  JC_OP_OPEN_PROC,          /* pid 1 keeps a detached /proc of the jail (fsmount) to name programs */
  JC_OP_KEYRING,            /* join a new anonymous session keyring */
  JC_OP_PARENT_DEATH_SIGNAL, /* ints: signal; the service gets it when pid 1 of the jail dies (no pid
                               namespace to take it along); fails if that parent is gone already */
  JC_OP_REPORT_COUNT,       /* strs: file, key, text for 1, text before and after N: prints the
                               text when the file's "key N" line has N > 0 (cgroup oom_kill) */
  JC_OP_TRACE_COUNTER = 41, /* ints: audit arch of the calls it counts; strs: the tracing filter to load
                               instead when the in-kernel counter could be attached. With its recorder
                               also ints: ring bytes, the number's offset, faccessat's number;
                               strs: the filter with the recorder, its spec (struct jc_record_spec
                               per call number, as the programs' map holds it) */
  JC_OP_MAX
};

/* Per-op flags (set by the planner). */
#define JC_OPF_OPTIONAL 1u /* a missing target (ENOENT) skips the op */

struct jc_op {
  uint32_t code;
  uint32_t phase;
  uint32_t flags;
  const char *describe; /* what the op does, for the failure line */
  const char *hint;     /* what to do when it fails, may be "" */
  uint32_t nints;
  uint32_t nstrs;
  int64_t *ints;
  const char **strs;
  uint32_t *lens;
};

struct jc_plan {
  uint32_t nops;
  struct jc_op *ops;
  const char *name;
};

/* The first op with this code, or NULL. */
const struct jc_op *jc_find_op(const struct jc_plan *plan, uint32_t code);

/* Parses the encoded plan in buf (which must outlive the plan). Returns 0 or -1 with a static message. */
int jc_plan_parse(const unsigned char *buf, size_t len, struct jc_plan *plan, const char **err);

#endif
