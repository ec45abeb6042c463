/* AF_PACKET socket for one interface and one EtherType (the failsafe listener's raw frames). */
#ifndef JC_PACKET_H
#define JC_PACKET_H

#include <stdint.h>

struct jc_packet_socket {
  int fd;
  int ifindex;
  unsigned char mac[6];
};

/* Opens a SOCK_RAW packet socket bound to `ifname` for `ethertype`, with a receive timeout so
 * blocking reads in Node's thread pool return (EAGAIN) and the socket can be closed. On failure
 * returns -errno and sets *failed_call to the call that failed. */
int jc_packet_open(const char *ifname, uint16_t ethertype, int recv_timeout_ms,
                   struct jc_packet_socket *out, const char **failed_call);

#endif
