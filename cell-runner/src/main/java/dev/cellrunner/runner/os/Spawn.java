package dev.cellrunner.runner.os;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.StringArray;
import com.sun.jna.ptr.IntByReference;

/**
 * glibc's posix_spawn family. These return an error number instead of setting errno.
 * Struct sizes are glibc x86-64 (file actions 80 bytes, attributes 336 bytes); we allocate more.
 */
interface Spawn extends Library {
    Spawn INSTANCE = Native.load("c", Spawn.class);

    int FILE_ACTIONS_SIZE = 256;
    int ATTR_SIZE = 512;
    int SIGSET_SIZE = 128;

    short POSIX_SPAWN_SETSIGDEF = 0x04;
    short POSIX_SPAWN_SETSIGMASK = 0x08;
    short POSIX_SPAWN_SETSID = 0x80;

    int posix_spawn(IntByReference pid, String path, Pointer fileActions, Pointer attr, StringArray argv,
                    StringArray envp);

    int posix_spawn_file_actions_init(Pointer fileActions);

    int posix_spawn_file_actions_destroy(Pointer fileActions);

    int posix_spawn_file_actions_adddup2(Pointer fileActions, int fd, int newFd);

    int posix_spawn_file_actions_addopen(Pointer fileActions, int fd, String path, int oflag, int mode);

    int posix_spawn_file_actions_addchdir_np(Pointer fileActions, String path);

    int posix_spawn_file_actions_addclosefrom_np(Pointer fileActions, int from);

    int posix_spawnattr_init(Pointer attr);

    int posix_spawnattr_destroy(Pointer attr);

    int posix_spawnattr_setflags(Pointer attr, short flags);

    int posix_spawnattr_setsigmask(Pointer attr, Pointer sigset);

    int posix_spawnattr_setsigdefault(Pointer attr, Pointer sigset);

    int sigemptyset(Pointer set);

    int sigfillset(Pointer set);
}
