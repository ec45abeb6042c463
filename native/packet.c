/* Opens the failsafe listener's raw-frame socket: socket(2), bind(2) to the interface's ifindex,
 * SIOCGIFHWADDR for the source address of replies. Decides nothing; needs CAP_NET_RAW.
 * See packet(7). */
#define _GNU_SOURCE
#include "packet.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#ifndef PACKET_IGNORE_OUTGOING
#define PACKET_IGNORE_OUTGOING 23
#endif

static int fail(int fd, const char *call, const char **failed_call) {
  int err = errno;
  if (fd >= 0) close(fd);
  *failed_call = call;
  return -err;
}

int jc_packet_open(const char *ifname, uint16_t ethertype, int recv_timeout_ms,
                   struct jc_packet_socket *out, const char **failed_call) {
  struct ifreq ifr;
  if (strlen(ifname) >= sizeof ifr.ifr_name) { errno = ENAMETOOLONG; return fail(-1, "if_nametoindex", failed_call); }
  unsigned int ifindex = if_nametoindex(ifname);
  if (ifindex == 0) return fail(-1, "if_nametoindex", failed_call);
  int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ethertype));
  if (fd < 0) return fail(-1, "socket(AF_PACKET, SOCK_RAW)", failed_call);
  struct timeval tv = {recv_timeout_ms / 1000, (recv_timeout_ms % 1000) * 1000};
  if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) < 0) return fail(fd, "setsockopt(SO_RCVTIMEO)", failed_call);
  /* our own replies would come back to us as outgoing frames; Linux >= 4.20, harmless without */
  int one = 1;
  (void)setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof one);
  struct sockaddr_ll sll;
  memset(&sll, 0, sizeof sll);
  sll.sll_family = AF_PACKET;
  sll.sll_protocol = htons(ethertype);
  sll.sll_ifindex = (int)ifindex;
  if (bind(fd, (struct sockaddr *)&sll, sizeof sll) < 0) return fail(fd, "bind(AF_PACKET)", failed_call);
  memset(&ifr, 0, sizeof ifr);
  memcpy(ifr.ifr_name, ifname, strlen(ifname));
  if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0) return fail(fd, "ioctl(SIOCGIFHWADDR)", failed_call);
  out->fd = fd;
  out->ifindex = (int)ifindex;
  memcpy(out->mac, ifr.ifr_hwaddr.sa_data, 6);
  return 0;
}
