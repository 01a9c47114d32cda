package dev.cellrunner.runner.os;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.IntByReference;

/**
 * The few libc entry points the runner needs. Everything here acts on the calling thread only
 * (namespaces, credentials, no_new_privs, landlock, seccomp), which is why each cell gets its own
 * launch thread. Errors surface as {@link LastErrorException} carrying errno.
 */
public interface LibC extends Library {
    LibC INSTANCE = Native.load("c", LibC.class);

    int unshare(int flags) throws LastErrorException;

    int setns(int fd, int nstype) throws LastErrorException;

    int socket(int domain, int type, int protocol) throws LastErrorException;

    int ioctl(int fd, long request, Pointer arg) throws LastErrorException;

    int bind(int fd, Pointer address, int length) throws LastErrorException;

    int listen(int fd, int backlog) throws LastErrorException;

    int connect(int fd, Pointer address, int length) throws LastErrorException;

    int accept4(int fd, Pointer address, Pointer length, int flags) throws LastErrorException;

    int getsockopt(int fd, int level, int option, Pointer value, IntByReference length) throws LastErrorException;

    int setsockopt(int fd, int level, int option, Pointer value, int length) throws LastErrorException;

    int shutdown(int fd, int how) throws LastErrorException;

    int fcntl(int fd, int command, int argument) throws LastErrorException;

    /** fcntl with a {@code struct flock} (the F_OFD_* lock commands). */
    int fcntl(int fd, int command, Pointer lock) throws LastErrorException;

    int unlinkat(int dirfd, String path, int flags) throws LastErrorException;

    /** {@code struct rlimit}: soft then hard limit, 8 bytes each. */
    int getrlimit(int resource, Pointer limit) throws LastErrorException;

    long send(int fd, Pointer buffer, long length, int flags) throws LastErrorException;

    long recv(int fd, Pointer buffer, long length, int flags) throws LastErrorException;

    int geteuid();

    int getuid();

    int getgid();

    int open(String path, int flags) throws LastErrorException;

    int openat(int dirfd, String path, int flags, int mode) throws LastErrorException;

    int mkdirat(int dirfd, String path, int mode) throws LastErrorException;

    int mknodat(int dirfd, String path, int mode, long dev) throws LastErrorException;

    int symlinkat(String target, int dirfd, String path) throws LastErrorException;

    int fchmod(int fd, int mode) throws LastErrorException;

    int chmod(String path, int mode) throws LastErrorException;

    /** Sets the calling thread's umask (per filesystem context: the launch thread's is its own); returns the old one. */
    int umask(int mask);

    int fstat(int fd, Pointer stat) throws LastErrorException;

    int fchown(int fd, int uid, int gid) throws LastErrorException;

    long readlink(String path, byte[] buffer, long size) throws LastErrorException;

    int mount(String source, String target, String type, long flags, String data) throws LastErrorException;

    int umount2(String target, int flags) throws LastErrorException;

    int chdir(String path) throws LastErrorException;

    /** Sets the hostname of the calling thread's UTS namespace. */
    int sethostname(byte[] name, long length) throws LastErrorException;

    int ftruncate(int fd, long length) throws LastErrorException;

    int close(int fd) throws LastErrorException;

    int prctl(int option, long arg2, long arg3, long arg4, long arg5) throws LastErrorException;

    /** Raw system call: unlike glibc wrappers it never broadcasts to other threads. */
    long syscall(long number, Object... args) throws LastErrorException;

    int pipe2(int[] fds, int flags) throws LastErrorException;

    long read(int fd, Pointer buffer, long count) throws LastErrorException;

    int poll(Pointer fds, long nfds, int timeoutMillis) throws LastErrorException;

    long write(int fd, Pointer buffer, long count) throws LastErrorException;

    int kill(int pid, int signal) throws LastErrorException;

    int waitid(int idType, int id, Pointer siginfo, int options) throws LastErrorException;

    String strerror(int errnum);

    /** {@code struct passwd *} (pw_uid at offset 16, pw_gid at 20 on x86-64), or null. Through NSS. */
    Pointer getpwnam(String name);

    Pointer getpwuid(int uid);

    /** {@code struct group *} (gr_gid at offset 16 on x86-64), or null. Through NSS. */
    Pointer getgrnam(String name);

    Pointer getgrgid(int gid);
}
