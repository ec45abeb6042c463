/* Reading the device key from the UCI file (bytes only, never text that outlives the call) and
 * deriving K_c2d, K_d2c and dev_id; K and every buffer that held it are zeroed. */
#ifndef JC_FS_KEY_FILE_H
#define JC_FS_KEY_FILE_H

#include "codec.h"
#include "log.h"

/* Returns 0 with keys filled, or -1 with e filled (the message never holds key material). */
int jc_fs_read_keys(const char *path, struct jc_fs_keys *keys, struct jc_fs_error *e);

#endif
