package dev.cellrunner.events;

import com.fasterxml.jackson.databind.JsonNode;
import io.cloudevents.CloudEvent;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HexFormat;

/**
 * Where the run chain of one JSONL trail stands (CONTRACT.md §3): the digest of the signed payload of the
 * trail's last event line, which the next {@code started} (and {@code destroyed}) names as {@code runprev}.
 * Read under the {@link TrailLock} from the end of the file: the nearest terminated line that is a signed
 * event (a torn tail, or a line that is no event, is passed over, as verify passes over it). A file with no
 * event yet (new, or emptied by rotation) continues from the digest kept beside it in {@code .NAME.runprev},
 * so the first run of the next file says where the previous file ended.
 */
final class RunLink {
    /** Never scan further back than this for an event line. */
    private static final int MAX_SCAN = 4 * TrailLines.MAX_LINE;

    private final Path sidecar;
    private final FileChannel reader;
    private final FileChannel kept;

    private RunLink(Path sidecar, FileChannel reader, FileChannel kept) {
        this.sidecar = sidecar;
        this.reader = reader;
        this.kept = kept;
    }

    /**
     * Opens the trail for reading its last event and its sidecar for keeping digests, creating the sidecar
     * now rather than at the first append: a cell's mount view masks the runner's private files that exist
     * when it is built, and the run's first event may be written while it is (EventTrail.emitBeside).
     */
    static RunLink open(Path trail) throws IOException {
        Path sidecar = sidecar(trail);
        FileChannel reader = FileChannel.open(trail, StandardOpenOption.READ);
        try {
            return new RunLink(sidecar, reader, FileChannel.open(sidecar,
                    java.util.Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE),
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))));
        } catch (IOException e) {
            reader.close();
            throw e;
        }
    }

    /** {@code .NAME.runprev} beside the trail: a runner-private file, as the trail is. */
    static Path sidecar(Path trail) {
        Path absolute = trail.toAbsolutePath();
        return absolute.resolveSibling("." + absolute.getFileName() + ".runprev");
    }

    /** The digest the next linked event names: the last event line's, else the kept one, else 64 zeros. */
    String previous() throws IOException {
        String last = lastEventDigest(reader);
        if (last != null) {
            return last;
        }
        try {
            String keptDigest = Files.readString(sidecar, StandardCharsets.US_ASCII).strip();
            return keptDigest.matches("[0-9a-f]{64}") ? keptDigest : ChainSigner.NO_PREVIOUS;
        } catch (java.nio.file.NoSuchFileException e) {
            return ChainSigner.NO_PREVIOUS;
        }
    }

    /** After an append, under the lock: keeps the appended event's digest for a file that starts anew. */
    void appended(CloudEvent event) throws IOException {
        String digest = payloadDigest(event);
        if (digest == null) {
            return;
        }
        kept.write(ByteBuffer.wrap((digest + "\n").getBytes(StandardCharsets.US_ASCII)), 0);
    }

    void close() throws IOException {
        try {
            reader.close();
        } finally {
            kept.close();
        }
    }

    /** The digest of the signed payload of the last terminated line that is a signed event, or null. */
    static String lastEventDigest(FileChannel file) throws IOException {
        long size = file.size();
        long floor = Math.max(0, size - MAX_SCAN);
        int chunk = 64 * 1024;
        long end = size;
        byte[] window = new byte[0];
        while (end > floor) {
            long start = Math.max(floor, end - chunk);
            ByteBuffer buffer = ByteBuffer.allocate((int) (end - start));
            while (buffer.hasRemaining() && file.read(buffer, start + buffer.position()) > 0) {
                // read the whole chunk
            }
            byte[] read = buffer.array();
            byte[] joined = new byte[read.length + window.length];
            System.arraycopy(read, 0, joined, 0, read.length);
            System.arraycopy(window, 0, joined, read.length, window.length);
            window = joined;
            end = start;
            String found = lastInWindow(window, end == 0);
            if (found != null) {
                return found;
            }
        }
        return null;
    }

    /** Looks through complete lines of {@code window}, last first; a torn tail (no newline) is skipped. */
    private static String lastInWindow(byte[] window, boolean atFileStart) {
        int lineEnd = window.length;
        while (lineEnd > 0 && window[lineEnd - 1] != '\n') {
            lineEnd--; // the torn tail, or the part of a line before the window's start
        }
        while (lineEnd > 0) {
            int lineStart = lineEnd - 1;
            while (lineStart > 0 && window[lineStart - 1] != '\n') {
                lineStart--;
            }
            if (lineStart == 0 && !atFileStart) {
                return null; // this line may begin before the window: read further back first
            }
            String digest = payloadDigest(java.util.Arrays.copyOfRange(window, lineStart, lineEnd - 1));
            if (digest != null) {
                return digest;
            }
            lineEnd = lineStart;
        }
        return null;
    }

    /**
     * Hex SHA-256 of the DSSE payload of a JSON line that is a signed event; null for anything else. A torn
     * fragment glued before a whole event is passed over, as verify recovers the event after it.
     */
    static String payloadDigest(byte[] line) {
        String whole = digestOf(line);
        if (whole != null) {
            return whole;
        }
        byte[] start = "{\"specversion\"".getBytes(StandardCharsets.US_ASCII);
        for (int at = line.length - start.length; at > 0; at--) {
            if (java.util.Arrays.equals(line, at, at + start.length, start, 0, start.length)) {
                return digestOf(java.util.Arrays.copyOfRange(line, at, line.length));
            }
        }
        return null;
    }

    private static String digestOf(byte[] line) {
        try {
            JsonNode event = Jcs.parse(line);
            JsonNode material = event.get(ExtensionNames.DSSE_MATERIAL);
            if (material == null || !material.isTextual()) {
                return null;
            }
            return HexFormat.of().formatHex(Digests.sha256(
                    Dsse.Envelope.parse(Digests.decodeBase64(material.textValue())).payload()));
        } catch (IOException | RuntimeException notASignedEvent) {
            return null;
        }
    }

    static String payloadDigest(CloudEvent event) {
        Object material = event.getExtension(ExtensionNames.DSSE_MATERIAL);
        if (!(material instanceof byte[] envelope)) {
            return null;
        }
        try {
            return HexFormat.of().formatHex(Digests.sha256(Dsse.Envelope.parse(envelope).payload()));
        } catch (IOException e) {
            return null;
        }
    }
}
