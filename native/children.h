/* Finding the service process as the host sees it: the child of the jail's pid 1. */
#ifndef JC_CHILDREN_H
#define JC_CHILDREN_H

#include <sys/types.h>

/* The first child of parent (from /proc/PID/task/PID/children, else by scanning /proc), or 0. */
pid_t jc_first_child(pid_t parent);

#endif
