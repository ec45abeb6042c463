/* A threaded syscall load for bench/trace-bench.ts: N threads each make M write(2) calls of one
 * byte to /dev/null and M getppid(2) calls, all running at once. */
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

static int calls, devnull;

static void *work(void *arg) {
  (void)arg;
  for (int i = 0; i < calls; i++) {
    if (write(devnull, "x", 1) != 1) return (void *)1;
    getppid();
  }
  return NULL;
}

int main(int argc, char **argv) {
  int threads = argc > 1 ? atoi(argv[1]) : 8;
  pthread_t ids[64];
  calls = argc > 2 ? atoi(argv[2]) : 2500;
  if (threads < 1 || threads > 64 || (devnull = open("/dev/null", O_WRONLY | O_CLOEXEC)) < 0) return 2;
  for (int t = 0; t < threads; t++) if (pthread_create(&ids[t], NULL, work, NULL) != 0) return 3;
  for (int t = 0; t < threads; t++) {
    void *failed;
    if (pthread_join(ids[t], &failed) != 0 || failed != NULL) return 4;
  }
  return 0;
}
