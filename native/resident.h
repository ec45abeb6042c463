/* Keeping the launcher's resident set small while it waits beside the service. */
#ifndef JC_RESIDENT_H
#define JC_RESIDENT_H

/* Drops this executable's code pages from our page tables; the few the wait loop needs fault
 * back in. The page cache keeps them, so this costs no I/O. */
void jc_trim_resident(void);

#endif
