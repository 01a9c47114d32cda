package dev.cellrunner.runner.cli;

import dev.cellrunner.spec.CellSpecReader;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reads the document named on the command line: a path, or "-" for standard input; never more than the cap. */
final class SpecInput {
    private SpecInput() {
    }

    /** Returns the bytes, at most {@link CellSpecReader#MAX_DOCUMENT_BYTES} + 1 so the reader can say "too large". */
    static byte[] read(String source) throws IOException {
        if (source.equals("-")) {
            return readCapped(System.in);
        }
        try (InputStream in = Files.newInputStream(Path.of(source))) {
            return readCapped(in);
        }
    }

    private static byte[] readCapped(InputStream in) throws IOException {
        return in.readNBytes(CellSpecReader.MAX_DOCUMENT_BYTES + 1);
    }
}
