/* Benchmark probe: installs the raw seccomp filter in argv[1] ("-" for none), then times
 * argv[2] calls of getppid() (cacheable: no argument rule), getpriority(PRIO_PROCESS, 0)
 * (argv[3] = "args": its rule reads an argument, so BPF runs on every call), ioctl(-1, TCGETS)
 * (argv[3] = "ioctl": the baseline filter checks its request) or personality(0xffffffff)
 * (argv[3] = "persona": Docker's profile checks its argument). Prints ns/call. */
#define _GNU_SOURCE
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc != 4) return 2;
  if (strcmp(argv[1], "-") != 0) {
    static struct sock_filter prog[4096];
    FILE *f = fopen(argv[1], "rb");
    if (!f) { perror(argv[1]); return 2; }
    size_t n = fread(prog, sizeof prog[0], 4096, f);
    fclose(f);
    struct sock_fprog fprog = {(unsigned short)n, prog};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fprog)) { perror("seccomp"); return 2; }
  }
  long calls = atol(argv[2]);
  int args = strcmp(argv[3], "args") == 0, ioctl = strcmp(argv[3], "ioctl") == 0;
  int persona = strcmp(argv[3], "persona") == 0;
  struct timespec a, b;
  clock_gettime(CLOCK_MONOTONIC, &a);
  for (long i = 0; i < calls; i++) {
    if (args) syscall(SYS_getpriority, PRIO_PROCESS, 0);
    else if (ioctl) syscall(SYS_ioctl, -1, 0x5401 /* TCGETS */, 0);
    else if (persona) syscall(SYS_personality, 0xffffffffUL);
    else syscall(SYS_getppid);
  }
  clock_gettime(CLOCK_MONOTONIC, &b);
  printf("%.1f\n", ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / calls);
  return 0;
}
