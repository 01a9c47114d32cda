package dev.cellrunner.runner.mount;

import dev.cellrunner.runner.cell.Refusal;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Where the runner finds cell-init (src/main/c/cell-init.c): next to its jar, as the build puts it. */
public final class CellInit {
    static final String NAME = "cell-init";

    private CellInit() {
    }

    public static Path binary() throws Refusal {
        Path place;
        try {
            place = Path.of(CellInit.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException | RuntimeException e) {
            throw new Refusal("pid1", "cannot tell where the runner's jar is: " + e.getMessage());
        }
        Path binary = place.toAbsolutePath().getParent().resolve(NAME);
        if (!Files.isRegularFile(binary) || !Files.isExecutable(binary)) {
            throw new Refusal("pid1", NAME + " (the cell's PID 1) is not at " + binary
                    + "; it is built with the jar (mvn package)");
        }
        return binary;
    }
}
