package dev.cellrunner.runner.mount;


import dev.cellrunner.linux.Linux;
import java.util.ArrayList;
import java.util.List;

/** Names of mount attributes ({@code Linux.MOUNT_ATTR_*}) as mount(8) prints them. */
final class MountAttributes {
    static final long RO = Linux.MOUNT_ATTR_RDONLY;
    static final long NOSUID = Linux.MOUNT_ATTR_NOSUID;
    static final long NODEV = Linux.MOUNT_ATTR_NODEV;
    static final long NOEXEC = Linux.MOUNT_ATTR_NOEXEC;

    private MountAttributes() {
    }

    static String names(long set, long clear) {
        List<String> names = new ArrayList<>();
        add(names, set, RO, "ro");
        add(names, set, NOSUID, "nosuid");
        add(names, set, NODEV, "nodev");
        add(names, set, NOEXEC, "noexec");
        add(names, clear, RO, "rw");
        return names.isEmpty() ? "(defaults)" : String.join(",", names);
    }

    private static void add(List<String> names, long bits, long bit, String name) {
        if ((bits & bit) != 0) {
            names.add(name);
        }
    }
}
