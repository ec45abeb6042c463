/* The smallest useful UDP listener, the C peer of the failsafe daemon in bench/failsafe-bench.ts:
 * bind 127.0.0.1:PORT, read datagrams, answer nothing. Built with the host's cc (dynamic glibc),
 * as a distribution would ship it. Usage: udp-listener PORT */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc != 2) return 2;
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((unsigned short)atoi(argv[1]))};
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0) { perror("bind"); return 1; }
  printf("listening on udp 127.0.0.1:%s\n", argv[1]);
  fflush(stdout);
  char buf[2048];
  for (;;) if (recv(fd, buf, sizeof buf, 0) < 0) return 1;
}
