/* Supervising a service: start the jail, log its output, restart it by procd's respawn
 * policy, stop it on SIGTERM (term timeout, then SIGKILL), and keep a state file current. */
#ifndef JC_SERVICE_H
#define JC_SERVICE_H

#include "jail.h"
#include "plan.h"

/* Runs until the service is stopped or gives up; returns the launcher's exit status. */
int jc_service_main(const struct jc_plan *plan, struct jc_jail_args *args, const struct jc_op *config);

#endif
