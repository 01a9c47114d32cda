/*
 * cell-init: PID 1 of a cell's PID namespace.
 *
 *   cell-init [-l NAME FLAGS PROBE] EXECUTABLE ARGV0 [ARG...]
 *
 * Started by the runner from the cell's launch thread, already confined (namespaces, identity,
 * capabilities, no_new_privs, landlock, seccomp), with two descriptors besides 0-2:
 *   3  the status pipe to the runner (written here, one text line per message);
 *   4  the read end of a pipe whose write end only the runner holds: one byte means "start the
 *      workload" (the runner has observed this process's confinement), a second one "the workload's
 *      host PID is read" (it is not reaped before); end of file means the runner is gone.
 * With -l the launch thread made no landlock domain, and descriptor 5 is the cell's landlock ruleset,
 * which the runner completes with rules on the cell's own /proc once that is mounted (a domain made
 * before that mount cannot reach it). At the go this process restricts itself to it (FLAGS as
 * landlock_restrict_self takes them, with its name set to NAME meanwhile, so that the kernel's audit
 * records of the domain name the cell), then opens PROBE (unless it is "-"), which the domain must
 * refuse with EACCES, and reports; it starts nothing if either fails.
 * It arms a parent-death signal, waits for that byte, starts the workload, passes SIGTERM, SIGINT, SIGHUP, SIGQUIT,
 * SIGUSR1 and SIGUSR2 on to it, reaps every process that ends up as its child, and when the workload
 * ends it reports how and exits; the kernel then kills whatever is left in the namespace.
 *
 * Messages on descriptor 3:
 *   started PID           the workload's executable was loaded (PID in the cell's namespace)
 *   exec-failed ERRNO     execve of the workload failed
 *   init-failed ERRNO     this program could not start the workload (vfork)
 *   exited STATUS LEFT    the workload's wait status (as waitpid gives it); LEFT is 1 when other
 *                         processes of the cell were still running, which the kernel now kills
 *   landlocked ERRNO      (with -l, first) restricted; ERRNO is what opening PROBE answered (0: no probe)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define STATUS_FD 3
#define RUNNER_FD 4
#define RULESET_FD 5

#ifndef SYS_landlock_restrict_self
#define SYS_landlock_restrict_self 446
#endif

/* written by the vfork child when its exec fails (it shares this memory) */
static volatile int exec_errno;
/* EXECUTABLE ARGV0 [ARG...]: static, as vfork's child uses it */
static char **command;

static const int forwarded[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};

static void report(const char *format, long a, long b) {
    char line[64];
    int n = snprintf(line, sizeof line, format, a, b);
    for (int done = 0; done < n;) {
        ssize_t w = write(STATUS_FD, line + done, (size_t) (n - done));
        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w <= 0) {
            return; /* the runner is gone; the parent-death signal ends this process */
        }
        done += (int) w;
    }
}

/* Restricts this process to the ruleset on RULESET_FD and probes it; 0 when the workload may start. */
static int restrict_self(const char *name, const char *flags, const char *probe) {
    char own[16] = {0};
    prctl(PR_GET_NAME, own);
    prctl(PR_SET_NAME, name); /* the kernel keeps the maker's name with the domain */
    long restricted = syscall(SYS_landlock_restrict_self, RULESET_FD, strtoul(flags, NULL, 10));
    int restrict_errno = errno;
    prctl(PR_SET_NAME, own);
    close(RULESET_FD);
    if (restricted != 0) {
        report("init-failed %ld\n", restrict_errno, 0);
        return -1;
    }
    int probe_errno = 0;
    if (strcmp(probe, "-") != 0) {
        int fd = open(probe, O_RDONLY | O_CLOEXEC);
        probe_errno = fd < 0 ? errno : 0;
        if (fd >= 0) {
            close(fd);
        }
    }
    report("landlocked %ld\n", probe_errno, 0);
    return strcmp(probe, "-") == 0 || probe_errno == EACCES ? 0 : -1;
}

static int exit_code(int status) {
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int main(int argc, char **argv) {
    const char *landlock_name = NULL, *landlock_flags = NULL, *landlock_probe = NULL;
    if (argc > 1 && strcmp(argv[1], "-l") == 0) {
        if (argc < 5) {
            return 125;
        }
        landlock_name = argv[2];
        landlock_flags = argv[3];
        landlock_probe = argv[4];
    }
    command = argv + (landlock_name != NULL ? 5 : 1);
    if (argc - (command - argv) < 2) {
        return 125;
    }
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) {
        report("init-failed %ld\n", errno, 0);
        return 126;
    }
    /* The runner's go; end of file if it died, before the signal was armed too. */
    char go;
    ssize_t got_go;
    do {
        got_go = read(RUNNER_FD, &go, 1);
    } while (got_go < 0 && errno == EINTR);
    if (got_go != 1) {
        return 137;
    }
    fcntl(RUNNER_FD, F_SETFD, FD_CLOEXEC);
    fcntl(STATUS_FD, F_SETFD, FD_CLOEXEC);
    if (landlock_name != NULL && restrict_self(landlock_name, landlock_flags, landlock_probe) != 0) {
        return 126;
    }

    sigset_t waited, none;
    sigemptyset(&waited);
    sigemptyset(&none);
    sigaddset(&waited, SIGCHLD);
    for (size_t i = 0; i < sizeof forwarded / sizeof forwarded[0]; i++) {
        sigaddset(&waited, forwarded[i]);
    }
    sigprocmask(SIG_BLOCK, &waited, NULL);

    /* vfork: the child borrows this process's memory until its exec, so there is nothing to copy, and
     * this process sleeps until the exec has succeeded or failed: no pipe is needed to learn which. */
    exec_errno = 0;
    pid_t workload = vfork();
    if (workload == 0) {
        sigprocmask(SIG_SETMASK, &none, NULL);
        execv(command[0], command + 1);
        exec_errno = errno; /* seen by the parent, which resumes when this child exits */
        _exit(127);
    }
    if (workload < 0) {
        report("init-failed %ld\n", errno, 0);
        return 126;
    }
    if (exec_errno != 0) {
        report("exec-failed %ld\n", exec_errno, 0);
        while (waitpid(workload, NULL, 0) < 0 && errno == EINTR) {
        }
        return exec_errno == ENOENT ? 127 : 126;
    }
    report("started %ld\n", workload, 0);
    int seen = 0;

    for (;;) {
        siginfo_t info;
        int sig = sigwaitinfo(&waited, &info);
        if (sig < 0) {
            continue; /* EINTR */
        }
        if (sig != SIGCHLD) {
            kill(workload, sig);
            continue;
        }
        if (!seen) {
            /* The runner's second byte: it has read the workload's host PID in /proc, which it can only
             * while the workload is not reaped; end of file if it died. */
            ssize_t got_seen;
            do {
                got_seen = read(RUNNER_FD, &go, 1);
            } while (got_seen < 0 && errno == EINTR);
            close(RUNNER_FD);
            seen = 1;
        }
        int status;
        pid_t reaped;
        while ((reaped = waitpid(-1, &status, WNOHANG)) > 0) {
            if (reaped == workload) {
                /* 0: children that have not ended yet; -1 (ECHILD): none left */
                int left = waitpid(-1, NULL, WNOHANG) == 0;
                report("exited %ld %ld\n", status, left);
                return exit_code(status);
            }
        }
    }
}
