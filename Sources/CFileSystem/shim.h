#ifndef FERRY_CFILESYSTEM_SHIM_H
#define FERRY_CFILESYSTEM_SHIM_H

#ifdef __linux__
#include <sys/vfs.h>
#endif

/* The type of the file system that holds the open file `descriptor` (statfs's f_type, such as
   0xEF53 for ext2/3/4), or 0 where it cannot be told. Swift's Glibc module has no statfs. */
static inline long ferry_file_system_type(int descriptor) {
#ifdef __linux__
    struct statfs status;
    if (fstatfs(descriptor, &status) == 0) return (long)status.f_type;
#endif
    (void)descriptor;
    return 0;
}

#endif
