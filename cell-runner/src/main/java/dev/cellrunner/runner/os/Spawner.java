package dev.cellrunner.runner.os;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import com.sun.jna.StringArray;
import com.sun.jna.ptr.IntByReference;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static dev.cellrunner.linux.Linux.O_CLOEXEC;
import static dev.cellrunner.linux.Linux.O_RDONLY;

/**
 * Starts a child with glibc's posix_spawn from the calling thread, so the child inherits exactly that
 * thread's namespaces, credentials, no_new_privs, landlock domain and seccomp filter.
 *
 * <p>Why not ProcessBuilder: the JDK reaps children on a "process reaper" thread that it creates from
 * the spawning thread when none is idle; that thread would inherit the launch thread's confinement and
 * cgroup v1 membership and then be reused for other cells. Reaping ourselves also tells an exit code
 * from a killing signal. The child gets a new session (no controlling terminal to inject into), default
 * signal dispositions, an empty signal mask, /dev/null or a pipe as stdin, and no descriptor above 2.
 */
public final class Spawner {

    private Spawner() {
    }

    public static SpawnedProcess spawn(SpawnRequest request) throws SpawnException, OsError {
        Spawn s = Spawn.INSTANCE;
        List<Integer> parentEnds = new ArrayList<>();
        List<Integer> childEnds = new ArrayList<>();
        int[] out = pipe(parentEnds, childEnds, false);
        int[] err = pipe(parentEnds, childEnds, false);
        int[] in = request.pipeStdin() ? pipe(parentEnds, childEnds, true) : null;
        try (Memory actions = new Memory(Spawn.FILE_ACTIONS_SIZE);
             Memory attr = new Memory(Spawn.ATTR_SIZE);
             Memory noSignals = new Memory(Spawn.SIGSET_SIZE);
             Memory allSignals = new Memory(Spawn.SIGSET_SIZE)) {
            check(s.posix_spawn_file_actions_init(actions), "file_actions_init");
            check(s.posix_spawnattr_init(attr), "spawnattr_init");
            try {
                if (in != null) {
                    check(s.posix_spawn_file_actions_adddup2(actions, in[0], 0), "dup2 stdin");
                } else {
                    check(s.posix_spawn_file_actions_addopen(actions, 0, "/dev/null", O_RDONLY, 0), "open /dev/null");
                }
                check(s.posix_spawn_file_actions_adddup2(actions, out[1], 1), "dup2 stdout");
                check(s.posix_spawn_file_actions_adddup2(actions, err[1], 2), "dup2 stderr");
                if (request.workingDirectory() != null) {
                    check(s.posix_spawn_file_actions_addchdir_np(actions, request.workingDirectory().toString()),
                            "chdir");
                }
                for (int i = 0; i < request.passedFds().size(); i++) {
                    check(s.posix_spawn_file_actions_adddup2(actions, request.passedFds().get(i), 3 + i), "dup2 passed fd");
                }
                check(s.posix_spawn_file_actions_addclosefrom_np(actions, 3 + request.passedFds().size()), "closefrom");
                s.sigemptyset(noSignals);
                s.sigfillset(allSignals);
                check(s.posix_spawnattr_setsigmask(attr, noSignals), "setsigmask");
                check(s.posix_spawnattr_setsigdefault(attr, allSignals), "setsigdefault");
                check(s.posix_spawnattr_setflags(attr, (short) (Spawn.POSIX_SPAWN_SETSIGDEF
                        | Spawn.POSIX_SPAWN_SETSIGMASK | Spawn.POSIX_SPAWN_SETSID)), "setflags");
                IntByReference pid = new IntByReference();
                int rc = s.posix_spawn(pid, request.executable(), actions, attr,
                        new StringArray(request.argv().toArray(String[]::new)),
                        new StringArray(environment(request.environment())));
                if (rc != 0) {
                    closeAll(parentEnds);
                    throw new SpawnException(request.executable() + ": " + LibC.INSTANCE.strerror(rc), rc);
                }
                return new SpawnedProcess(pid.getValue(), new FdInputStream(out[0]), new FdInputStream(err[0]),
                        in == null ? null : new FdOutputStream(in[1]));
            } catch (OsError e) {
                closeAll(parentEnds);
                throw e;
            } finally {
                s.posix_spawn_file_actions_destroy(actions);
                s.posix_spawnattr_destroy(attr);
            }
        } finally {
            closeAll(childEnds);
        }
    }

    /** A close-on-exec pipe; {@code childReads} says which end the child gets. */
    private static int[] pipe(List<Integer> parentEnds, List<Integer> childEnds, boolean childReads) throws OsError {
        int[] fds = new int[2];
        try {
            LibC.INSTANCE.pipe2(fds, O_CLOEXEC);
        } catch (LastErrorException e) {
            closeAll(parentEnds);
            closeAll(childEnds);
            throw new OsError("pipe2", e);
        }
        parentEnds.add(childReads ? fds[1] : fds[0]);
        childEnds.add(childReads ? fds[0] : fds[1]);
        return fds;
    }

    private static String[] environment(Map<String, String> env) {
        return env.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).sorted().toArray(String[]::new);
    }

    private static void check(int rc, String what) throws OsError {
        if (rc != 0) {
            throw new OsError("posix_spawn " + what + ": " + LibC.INSTANCE.strerror(rc));
        }
    }

    private static void closeAll(List<Integer> fds) {
        for (int fd : fds) {
            try {
                LibC.INSTANCE.close(fd);
            } catch (LastErrorException ignored) {
                // closing our own pipe end: nothing useful to do on failure
            }
        }
        fds.clear();
    }
}
