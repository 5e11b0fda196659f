#ifndef FERRY_CPROCESS_SHIM_H
#define FERRY_CPROCESS_SHIM_H

#include <sys/resource.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

/* Stops the process from ever writing its memory (and the passwords in it) to a core file:
   no core dump, and on Linux no dump at all, not even to a core_pattern pipe, and no ptrace or
   /proc/PID/mem by other processes of the same user. prctl is variadic, which Swift cannot call.
   Returns 0, or -1 with errno set. */
static inline int ferry_disable_core_dumps(void) {
    struct rlimit none = { 0, 0 };
    if (setrlimit(RLIMIT_CORE, &none) != 0) return -1;
#ifdef __linux__
    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) return -1;
#endif
    return 0;
}

#endif
