package dev.cellrunner.runner.confine;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

/** A declared readWrite path against the identity the cell runs as, by owner, group and mode. */
class WriteAccessTest {
    private static final Identity ALLOCATED = Identity.allocated(null, null);

    /** The cell sees the host's directories everywhere (not, as in fact, its own tmpfs in /tmp). */
    private static final Predicate<Path> HOST_EVERYWHERE = path -> false;

    @TempDir
    Path dir;

    @BeforeEach
    void anyoneMaySearchTheTestsDirectory() throws Exception {
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    @Test
    void anAllocatedUidWritesOnlyWhatOthersMayWrite() throws Exception {
        Path open = directory("open", "rwxrwxrwx");
        Files.setAttribute(open, "unix:mode", 01777);
        Path closed = directory("closed", "rwxr-xr-x");
        assertThat(WriteAccess.refusal(open, ALLOCATED, HOST_EVERYWHERE)).isEmpty();
        assertThat(WriteAccess.refusal(closed, ALLOCATED, HOST_EVERYWHERE)).hasValueSatisfying(why -> assertThat(why)
                .isEqualTo(closed + " (owner 0:0, mode 755) cannot be written"));
    }

    @Test
    void theOwnerWritesByTheOwnersBitsAndAGroupMemberByTheGroups() throws Exception {
        Path owned = directory("owned", "rwx------");
        Files.setAttribute(owned, "unix:uid", 4242);
        Path grouped = directory("grouped", "rwxrwx---");
        Files.setAttribute(grouped, "unix:gid", 4343);
        assertThat(WriteAccess.refusal(owned, new Identity(4242, 4242, "4242", null), HOST_EVERYWHERE)).isEmpty();
        assertThat(WriteAccess.refusal(owned, new Identity(4243, 4242, "4243", null), HOST_EVERYWHERE)).isPresent();
        assertThat(WriteAccess.refusal(grouped, new Identity(4242, 4343, "4242", "4343"), HOST_EVERYWHERE)).isEmpty();
        assertThat(WriteAccess.refusal(grouped, Identity.allocated(4343, "4343"), HOST_EVERYWHERE)).isEmpty();
        assertThat(WriteAccess.refusal(grouped, ALLOCATED, HOST_EVERYWHERE)).isPresent();
    }

    @Test
    void aDirectoryAboveThatCannotBeSearchedRefusesTooAndSaysWhich() throws Exception {
        Path locked = directory("locked", "rwx------");
        Path inside = Files.createDirectory(locked.resolve("inside"));
        Files.setPosixFilePermissions(inside, PosixFilePermissions.fromString("rwxrwxrwx"));
        assertThat(WriteAccess.refusal(inside, ALLOCATED, HOST_EVERYWHERE)).hasValueSatisfying(why -> assertThat(why)
                .startsWith(locked + " (owner 0:0, mode 700) cannot be searched"));
    }

    @Test
    void directoriesInTheCellsFreshMountsAreNotTheHostsAndDoNotStopIt(@TempDir Path inTmp) throws Exception {
        assertThat(inTmp.startsWith("/tmp")).as("%s is in /tmp", inTmp).isTrue();
        Files.setPosixFilePermissions(inTmp, PosixFilePermissions.fromString("rwx------"));
        Path declared = Files.createDirectory(inTmp.resolve("out"));
        Files.setPosixFilePermissions(declared, PosixFilePermissions.fromString("rwxrwxrwx"));
        // in the cell, /tmp is its own tmpfs and the directories leading to a declared path are 0555
        assertThat(WriteAccess.refusal(declared, ALLOCATED)).isEmpty();
    }

    @Test
    void rootWithoutCapabilitiesIsJudgedAsTheOwner() throws Exception {
        Path rootOwned = directory("root-owned", "r-xr-xr-x");
        assertThat(WriteAccess.refusal(rootOwned, new Identity(0, 0, "root", null), HOST_EVERYWHERE)).isPresent();
        Path file = Files.writeString(dir.resolve("file"), "x");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        assertThat(WriteAccess.refusal(file, new Identity(0, 0, "root", null), HOST_EVERYWHERE)).isEmpty();
        assertThat(WriteAccess.refusal(file, ALLOCATED, HOST_EVERYWHERE)).isPresent();
    }

    private Path directory(String name, String mode) throws Exception {
        Path created = Files.createDirectory(dir.resolve(name));
        Files.setPosixFilePermissions(created, PosixFilePermissions.fromString(mode));
        return created;
    }
}
