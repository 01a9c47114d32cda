package dev.cellrunner.runner.os;

import com.sun.jna.Pointer;

import java.util.Optional;
import java.util.OptionalInt;

/**
 * Accounts and groups as the host's NSS knows them (files, systemd, LDAP, ...), through glibc's
 * getpwnam/getpwuid/getgrnam/getgrgid. Those share one static buffer per process, so every lookup
 * here takes one lock and copies what it needs before the next may overwrite it.
 */
public final class Nss {
    /** {@code struct passwd} on x86-64: pw_uid at 16, pw_gid at 20; {@code struct group}: gr_gid at 16. */
    private static final int PW_UID = 16;
    private static final int PW_GID = 20;
    private static final int GR_GID = 16;
    private static final Object LOCK = new Object();

    /** An account: its uid and primary gid. */
    public record Account(int uid, int gid) {
    }

    private Nss() {
    }

    public static Optional<Account> user(String name) {
        synchronized (LOCK) {
            return account(LibC.INSTANCE.getpwnam(name));
        }
    }

    public static Optional<Account> user(int uid) {
        synchronized (LOCK) {
            return account(LibC.INSTANCE.getpwuid(uid));
        }
    }

    public static OptionalInt group(String name) {
        synchronized (LOCK) {
            Pointer entry = LibC.INSTANCE.getgrnam(name);
            return entry == null ? OptionalInt.empty() : OptionalInt.of(entry.getInt(GR_GID));
        }
    }

    public static boolean groupExists(int gid) {
        synchronized (LOCK) {
            return LibC.INSTANCE.getgrgid(gid) != null;
        }
    }

    private static Optional<Account> account(Pointer entry) {
        return entry == null ? Optional.empty() : Optional.of(new Account(entry.getInt(PW_UID), entry.getInt(PW_GID)));
    }
}
