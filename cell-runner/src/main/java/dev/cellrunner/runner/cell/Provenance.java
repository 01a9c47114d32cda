package dev.cellrunner.runner.cell;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cellrunner.events.RunLines;
import dev.cellrunner.events.attest.InTotoAttestation;
import dev.cellrunner.runner.confine.BpfInstruction;
import dev.cellrunner.runner.confine.ExecutableChain;
import dev.cellrunner.runner.confine.SeccompPlan;
import dev.cellrunner.runner.confine.SeccompProgram;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * The SLSA provenance v1 predicate of one cell run, and the in-toto subjects it attests: what the document
 * asked ({@code externalParameters}), what the runner resolved and enforced ({@code internalParameters}:
 * the plan as {@code cell-runner plan} shows it, with the seccomp program's digest), what was executed
 * ({@code resolvedDependencies}: the executable and its interpreters), and how the run went
 * ({@code runDetails}). Built from data only; the files are read by {@link #dependencies} and {@link #outputs}.
 */
public final class Provenance {
    public static final String BUILD_TYPE = "https://cellrunner.dev/provenance/cell-run/v1";
    public static final String BUILDER_ID = "https://cellrunner.dev/cell-runner";
    public static final String VERSION = "0.1.0";

    /**
     * A file the run depended on or produced; {@code problem} set (and no digest) when it could not be read.
     * {@code resolved}: for an executable reached through symbolic links (as /bin/sh is), the file hashed.
     */
    public record FileDigest(String path, String sha256, String problem, String resolved) {
        ObjectNode descriptor() {
            if (sha256 != null) {
                ObjectNode resource = InTotoAttestation.resource(path, sha256);
                if (resolved != null && !resolved.equals(path)) {
                    resource.putObject("annotations").put("cellrunner.dev/resolved", resolved);
                }
                return resource;
            }
            ObjectNode missing = CellEventData.JSON.createObjectNode().put("name", path);
            missing.putObject("annotations").put(InTotoAttestation.MISSING, problem);
            return missing;
        }
    }

    /** How the run went: its exit status, when it ran, and its events in the trail. */
    public record RunRecord(String runId, String hostname, Instant startedOn, Instant finishedOn, int exitStatus,
                            Path trail, RunLines.Digest lines) {
    }

    private Provenance() {
    }

    /** The executable and the interpreters the kernel runs to start it, each with its SHA-256, read now. */
    public static List<FileDigest> dependencies(CellPlan plan) {
        List<FileDigest> files = new ArrayList<>();
        if (plan.executable().isEmpty()) {
            return files;
        }
        try {
            for (Path file : ExecutableChain.of(plan.executable().get())) {
                // the kernel follows links to what it executes; so does the digest, naming both
                Path real = file.toRealPath();
                FileDigest digest = digest(real);
                files.add(new FileDigest(file.toString(), digest.sha256(), digest.problem(), real.toString()));
            }
        } catch (IOException e) {
            files.add(new FileDigest(plan.executable().get().toString(), null, "cannot be read: " + e.getMessage(), null));
        }
        return files;
    }

    /** The document's {@code run.outputs}, read after the run; one missing or not a regular file is recorded so. */
    public static List<FileDigest> outputs(CellPlan plan) {
        return plan.document().spec().run().outputs().stream().map(path -> digest(Path.of(path))).toList();
    }

    private static FileDigest digest(Path file) {
        try {
            return new FileDigest(file.toString(), InTotoAttestation.sha256(file), null, null);
        } catch (java.nio.file.NoSuchFileException e) {
            return new FileDigest(file.toString(), null, "not found after the run", null);
        } catch (IOException e) {
            return new FileDigest(file.toString(), null, e.getMessage(), null);
        }
    }

    /** The statement: the outputs that exist as subjects, else the run's lines in its trail. */
    public static ObjectNode statement(CellPlan plan, Map<String, String> runnerEnv, List<FileDigest> dependencies,
                                       List<FileDigest> outputs, RunRecord run) {
        List<ObjectNode> subjects = new ArrayList<>();
        outputs.stream().filter(o -> o.sha256() != null).forEach(o -> subjects.add(o.descriptor()));
        if (plan.document().spec().run().outputs().isEmpty()) {
            subjects.add(InTotoAttestation.trailRun(run.trail(), run.runId(), run.lines()));
        }
        return InTotoAttestation.statement(subjects, InTotoAttestation.SLSA_PROVENANCE,
                predicate(plan, runnerEnv, dependencies, outputs, run));
    }

    static ObjectNode predicate(CellPlan plan, Map<String, String> runnerEnv, List<FileDigest> dependencies,
                                List<FileDigest> outputs, RunRecord run) {
        ObjectNode predicate = CellEventData.JSON.createObjectNode();
        ObjectNode build = predicate.putObject("buildDefinition");
        build.put("buildType", BUILD_TYPE);
        ObjectNode external = build.putObject("externalParameters");
        ObjectNode document = external.putObject("document");
        document.put("cellId", plan.cellId());
        document.putObject("digest").put("sha256", plan.specDigest().replaceFirst("^sha256:", ""));
        external.set("argv", CellEventData.strings(plan.argv()));
        if (!plan.document().spec().run().outputs().isEmpty()) {
            external.set("outputs", CellEventData.strings(plan.document().spec().run().outputs()));
        }
        ObjectNode internal = build.putObject("internalParameters");
        ObjectNode policy = PlanDescription.of(plan, runnerEnv);
        policy.remove(List.of("cellId", "specDigest", "argv"));
        if (policy.path("network").isObject()) {
            ((ObjectNode) policy.get("network")).remove("nftRuleset"); // its table name is made afresh each time
        }
        internal.set("policy", policy);
        internal.put("seccompProgramSha256", seccompProgramSha256(plan.confinement().seccomp()));
        internal.put("hostname", run.hostname());
        ArrayNode resolved = build.putArray("resolvedDependencies");
        dependencies.forEach(d -> resolved.add(d.descriptor()));

        ObjectNode details = predicate.putObject("runDetails");
        ObjectNode builder = details.putObject("builder");
        builder.put("id", BUILDER_ID);
        builder.putObject("version").put("cell-runner", VERSION);
        ObjectNode metadata = details.putObject("metadata");
        metadata.put("invocationId", run.runId());
        metadata.put("startedOn", time(run.startedOn()));
        metadata.put("finishedOn", time(run.finishedOn()));
        ArrayNode byproducts = details.putArray("byproducts");
        byproducts.add(InTotoAttestation.trailRun(run.trail(), run.runId(), run.lines()));
        ObjectNode result = byproducts.addObject();
        result.put("name", "cell-runner/exit-status");
        result.putObject("annotations").put("exitStatus", run.exitStatus());
        outputs.stream().filter(o -> o.sha256() == null).forEach(o -> byproducts.add(o.descriptor()));
        return predicate;
    }

    /** SHA-256 of the filter exactly as the kernel is given it: struct sock_filter, little-endian. */
    static String seccompProgramSha256(SeccompPlan plan) {
        List<BpfInstruction> program = SeccompProgram.compile(plan);
        ByteBuffer bytes = ByteBuffer.allocate(program.size() * BpfInstruction.SIZE).order(ByteOrder.LITTLE_ENDIAN);
        for (BpfInstruction instruction : program) {
            bytes.putShort((short) instruction.code()).put((byte) instruction.jt()).put((byte) instruction.jf())
                    .putInt(instruction.k());
        }
        return HexFormat.of().formatHex(dev.cellrunner.events.Digests.sha256(bytes.array()));
    }

    private static String time(Instant instant) {
        return DateTimeFormatter.ISO_INSTANT.format(instant.truncatedTo(ChronoUnit.MILLIS));
    }
}
