/* The machine this launcher was compiled for, by the names of src/profile/arch.ts: a stored plan
 * names the machine it was made for, and the launcher compares the two. */
#ifndef JC_ARCH_H
#define JC_ARCH_H

#if defined(__x86_64__) && defined(__ILP32__)
#define JC_ARCH "x32"
#elif defined(__x86_64__)
#define JC_ARCH "x86_64"
#elif defined(__i386__)
#define JC_ARCH "i386"
#elif defined(__aarch64__)
#define JC_ARCH "aarch64"
#elif defined(__arm__)
#define JC_ARCH "arm"
#elif defined(__mips__) && defined(_ABIO32) && _MIPS_SIM == _ABIO32
#define JC_ARCH_MIPS_BASE "mips"
#elif defined(__mips__) && defined(_ABI64) && _MIPS_SIM == _ABI64
#define JC_ARCH_MIPS_BASE "mips64"
#elif defined(__mips__) && defined(_ABIN32) && _MIPS_SIM == _ABIN32
#define JC_ARCH_MIPS_BASE "mips64n32"
#elif defined(__riscv) && __riscv_xlen == 64
#define JC_ARCH "riscv64"
#elif defined(__powerpc64__) && defined(__LITTLE_ENDIAN__)
#define JC_ARCH "ppc64le"
#elif defined(__powerpc64__)
#define JC_ARCH "ppc64"
#elif defined(__powerpc__)
#define JC_ARCH "powerpc"
#else
#error "jailctl-launch: an architecture src/profile/arch.ts does not name"
#endif

/* mips names: mips, mipsel, mips64, mips64el, mips64n32, mipsel64n32 */
#ifdef JC_ARCH_MIPS_BASE
#if defined(__MIPSEL__) && _MIPS_SIM == _ABIN32
#define JC_ARCH "mipsel64n32"
#elif defined(__MIPSEL__) && _MIPS_SIM == _ABI64
#define JC_ARCH "mips64el"
#elif defined(__MIPSEL__)
#define JC_ARCH "mipsel"
#else
#define JC_ARCH JC_ARCH_MIPS_BASE
#endif
#endif

#endif
