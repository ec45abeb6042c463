/* Starting the daemon's two kinds of children, the reboot command and the RESCUE helper. */
#ifndef JC_FS_SPAWN_H
#define JC_FS_SPAWN_H

#include <sys/types.h>

/* fork + execv(argv[0], argv) with the signal state a new program expects (nothing blocked,
 * SIGPIPE default). fd3 >= 0 becomes the child's descriptor 3. Returns the pid, or -1 (errno);
 * a failed execv ends the child with status 127. */
pid_t jc_fs_spawn(char *const argv[], int fd3);

#endif
