package dev.cellrunner.runner.mount;

import dev.cellrunner.runner.os.LibC;

import java.nio.file.Path;
import java.util.List;

/**
 * What the launch thread's mount program left for the steps after it: each declared path's
 * descriptor (opened once, before any mount changed) and the real path it was bound at, and which
 * /proc the cell got. Closing it closes the descriptors (after landlock took its rules from them).
 *
 * @param proc "pidns" for a proc of the cell's PID namespace; otherwise why the cell has an empty /proc
 */
public record MountedCell(List<Declared> declared, String proc) implements AutoCloseable {
    public static final String PROC_OF_CELL = "pidns";

    public MountedCell {
        declared = List.copyOf(declared);
    }

    /** A declared path as it was bound: {@code fd} is an O_PATH descriptor of the object bound. */
    public record Declared(MountPlan.DeclaredMount plan, Path real, int fd) {
    }

    public Declared declared(int index) {
        return declared.stream().filter(d -> d.plan().index() == index).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no declared mount " + index));
    }

    @Override
    public void close() {
        for (Declared d : declared) {
            if (d.fd() >= 0) {
                LibC.INSTANCE.close(d.fd());
            }
        }
    }
}
