package dev.cellrunner.events.attest;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cellrunner.events.Dsse;
import dev.cellrunner.events.Ed25519Key;
import dev.cellrunner.events.Jcs;
import dev.cellrunner.events.RunLines;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.LinkOption;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * in-toto Statement v1 in a DSSE envelope (payloadType {@code application/vnd.in-toto+json}), signed with a
 * run's Ed25519 key. The payload is the statement as RFC 8785 canonical JSON.
 */
public final class InTotoAttestation {
    public static final String PAYLOAD_TYPE = "application/vnd.in-toto+json";
    public static final String STATEMENT_TYPE = "https://in-toto.io/Statement/v1";
    public static final String SLSA_PROVENANCE = "https://slsa.dev/provenance/v1";
    /** Annotation of a subject that is one run's lines in a JSONL trail (the run id); its digest is {@link RunLines}'. */
    public static final String TRAIL_RUN = "cellrunner.dev/trail-run";
    /** Annotation of a byproduct naming a declared output that was not there after the run. */
    public static final String MISSING = "cellrunner.dev/missing";

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private InTotoAttestation() {
    }

    public static ObjectNode statement(List<ObjectNode> subjects, String predicateType, ObjectNode predicate) {
        ObjectNode statement = JSON.objectNode();
        statement.put("_type", STATEMENT_TYPE);
        ArrayNode subject = statement.putArray("subject");
        subjects.forEach(subject::add);
        statement.put("predicateType", predicateType);
        statement.set("predicate", predicate);
        return statement;
    }

    /** A ResourceDescriptor naming {@code name} with its SHA-256. */
    public static ObjectNode resource(String name, String sha256) {
        ObjectNode resource = JSON.objectNode();
        resource.put("name", name);
        resource.putObject("digest").put("sha256", sha256);
        return resource;
    }

    /** One run's lines in {@code trail} as a subject: checked by hashing that run's lines in the file. */
    public static ObjectNode trailRun(Path trail, String runId, RunLines.Digest digest) {
        ObjectNode resource = resource(trail.toAbsolutePath().toString(), digest.sha256());
        resource.put("mediaType", "application/jsonl");
        resource.putObject("annotations").put(TRAIL_RUN, runId).put("cellrunner.dev/lines", digest.lines());
        return resource;
    }

    /** The envelope's UTF-8 JSON. */
    public static byte[] sign(ObjectNode statement, Ed25519Key key) {
        return Dsse.sign(key, PAYLOAD_TYPE, Jcs.canonicalize(statement));
    }

    /**
     * Hex SHA-256 of a regular file, never following a symbolic link (an output a cell swapped for a link to
     * a file of the runner's is refused, not hashed).
     */
    public static String sha256(Path file) throws IOException {
        BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        if (!attributes.isRegularFile()) {
            throw new IOException(file + " is not a regular file" + (attributes.isSymbolicLink() ? " (a symbolic link)" : ""));
        }
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
             InputStream in = Channels.newInputStream(channel)) {
            byte[] buffer = new byte[1 << 16];
            for (int n = in.read(buffer); n > 0; n = in.read(buffer)) {
                digest.update(buffer, 0, n);
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }
}
