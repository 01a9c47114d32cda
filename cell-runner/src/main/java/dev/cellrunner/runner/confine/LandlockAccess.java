package dev.cellrunner.runner.confine;

import java.util.ArrayList;
import java.util.List;

/**
 * Landlock access rights, scopes and which ABI version introduced each (include/uapi/linux/landlock.h),
 * plus the groups of rights the runner grants: read, exec (read + execute) and write (no execute: a
 * cell cannot run what it wrote unless the document says so).
 */
public final class LandlockAccess {
    public static final long EXECUTE = 1L;
    public static final long WRITE_FILE = 1L << 1;
    public static final long READ_FILE = 1L << 2;
    public static final long READ_DIR = 1L << 3;
    public static final long REMOVE_DIR = 1L << 4;
    public static final long REMOVE_FILE = 1L << 5;
    public static final long MAKE_CHAR = 1L << 6;
    public static final long MAKE_DIR = 1L << 7;
    public static final long MAKE_REG = 1L << 8;
    public static final long MAKE_SOCK = 1L << 9;
    public static final long MAKE_FIFO = 1L << 10;
    public static final long MAKE_BLOCK = 1L << 11;
    public static final long MAKE_SYM = 1L << 12;
    /** ABI 2. */
    public static final long REFER = 1L << 13;
    /** ABI 3. */
    public static final long TRUNCATE = 1L << 14;
    /** ABI 5. */
    public static final long IOCTL_DEV = 1L << 15;

    /** ABI 4: TCP ports. */
    public static final long NET_BIND_TCP = 1L;
    public static final long NET_CONNECT_TCP = 1L << 1;

    /** ABI 6: IPC scopes. */
    public static final long SCOPE_ABSTRACT_UNIX_SOCKET = 1L;
    public static final long SCOPE_SIGNAL = 1L << 1;

    /** Rights that apply to a file (landlock rejects directory rights on a non-directory). */
    public static final long FILE_RIGHTS = EXECUTE | WRITE_FILE | READ_FILE | TRUNCATE | IOCTL_DEV;
    public static final long READ = READ_FILE | READ_DIR;
    public static final long EXEC = READ | EXECUTE;
    public static final long WRITE = READ | WRITE_FILE | REMOVE_DIR | REMOVE_FILE | MAKE_DIR | MAKE_REG | MAKE_SOCK
            | MAKE_FIFO | MAKE_SYM | REFER | TRUNCATE;
    /** Rights that change the filesystem: a rule with any of them must not cover a runner-private path. */
    public static final long MODIFY = WRITE & ~READ;

    private static final String[] FS_NAMES = {"execute", "write_file", "read_file", "read_dir", "remove_dir",
        "remove_file", "make_char", "make_dir", "make_reg", "make_sock", "make_fifo", "make_block", "make_sym",
        "refer", "truncate", "ioctl_dev"};
    private static final String[] NET_NAMES = {"bind_tcp", "connect_tcp"};
    private static final String[] SCOPE_NAMES = {"abstract_unix_socket", "signal"};

    private LandlockAccess() {
    }

    /** Every filesystem right the given ABI knows. */
    public static long filesystem(int abi) {
        if (abi <= 0) {
            return 0;
        }
        int rights = abi == 1 ? 13 : abi == 2 ? 14 : abi <= 4 ? 15 : 16;
        return (1L << rights) - 1;
    }

    public static long network(int abi) {
        return abi >= 4 ? NET_BIND_TCP | NET_CONNECT_TCP : 0;
    }

    public static long scopes(int abi) {
        return abi >= 6 ? SCOPE_ABSTRACT_UNIX_SOCKET | SCOPE_SIGNAL : 0;
    }

    public static List<String> filesystemNames(long access) {
        return names(access, FS_NAMES);
    }

    public static List<String> networkNames(long access) {
        return names(access, NET_NAMES);
    }

    public static List<String> scopeNames(long scopes) {
        return names(scopes, SCOPE_NAMES);
    }

    private static List<String> names(long bits, String[] names) {
        List<String> result = new ArrayList<>();
        for (int i = 0; i < names.length; i++) {
            if ((bits & (1L << i)) != 0) {
                result.add(names[i]);
            }
        }
        return result;
    }
}
