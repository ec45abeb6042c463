/* Linked into the soft-float MIPS builds only (scripts/build-targets.mjs): the floating-point
 * helpers that musl's printf float conversions (%f %e %g %a) call. Debian's cross libgcc has only
 * hard-float versions, made of FPU instructions that an FPU-less router CPU cannot run without
 * the kernel's emulator, and that take their arguments where soft-float code does not put them.
 * jailctl's C formats no float, so none of these is ever called; one that were would stop the
 * program here rather than compute garbage. test/native/targets-binaries.test.ts checks that the
 * MIPS programs hold no FPU instruction. */
#include <stdlib.h>

#define TRAP(name) void name(void); void name(void) { abort(); }

TRAP(__adddf3)
TRAP(__subdf3)
TRAP(__muldf3)
TRAP(__divdf3)
TRAP(__nedf2)
TRAP(__eqdf2)
TRAP(__fixdfsi)
TRAP(__fixunsdfsi)
TRAP(__floatsidf)
TRAP(__floatunsidf)
