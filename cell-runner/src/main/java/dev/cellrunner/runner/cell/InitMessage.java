package dev.cellrunner.runner.cell;

import dev.cellrunner.runner.os.ExitStatus;

/** One line cell-init (src/main/c/cell-init.c) writes on its status pipe. */
sealed interface InitMessage {
    /** The workload's executable was loaded; {@code pid} in the cell's PID namespace. */
    record Started(int pid) implements InitMessage {
    }

    /**
     * PID 1 restricted itself to the landlock ruleset it was given (cell-init -l); {@code probeErrno} is what
     * opening its probe path answered afterwards (0: it had none to open).
     */
    record Landlocked(int probeErrno) implements InitMessage {
    }

    /** execve of the workload failed with {@code errno}. */
    record ExecFailed(int errno) implements InitMessage {
    }

    /** cell-init itself could not start the workload. */
    record InitFailed(int errno) implements InitMessage {
    }

    /** The workload ended; {@code othersLeft}: other processes of the cell were still running. */
    record Exited(ExitStatus status, boolean othersLeft) implements InitMessage {
    }

    /** A line cell-init does not write: the pipe was tampered with, or versions differ. */
    record Unknown(String line) implements InitMessage {
    }

    static InitMessage parse(String line) {
        String[] words = line.strip().split(" ");
        try {
            return switch (words[0]) {
                case "started" -> new Started(Integer.parseInt(words[1]));
                case "landlocked" -> new Landlocked(Integer.parseInt(words[1]));
                case "exec-failed" -> new ExecFailed(Integer.parseInt(words[1]));
                case "init-failed" -> new InitFailed(Integer.parseInt(words[1]));
                case "exited" -> new Exited(waitStatus(Integer.parseInt(words[1])), "1".equals(words[2]));
                default -> new Unknown(line);
            };
        } catch (RuntimeException e) {
            return new Unknown(line);
        }
    }

    /** A wait status as waitpid(2) gives it: WIFEXITED, WEXITSTATUS, WTERMSIG, WCOREDUMP. */
    static ExitStatus waitStatus(int status) {
        int signal = status & 0x7f;
        return signal == 0 ? ExitStatus.exited((status >> 8) & 0xff) : ExitStatus.killed(signal, (status & 0x80) != 0);
    }
}
