package dev.cellrunner.runner.learn;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cellrunner.runner.records.LandlockDenialRecord;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** authority.filesystem proposals from the kernel's landlock denials, and how they merge into a document. */
class FilesystemSuggesterTest {
    private static final Instant T = Instant.parse("2026-12-03T20:00:00Z");
    private static final ObjectMapper JSON = new ObjectMapper();

    private static LandlockDenialRecord denied(String path, String... blockers) {
        return new LandlockDenialRecord(List.of(blockers), path, null, 0, 1, T, T);
    }

    private static final List<LandlockDenialRecord> DENIALS = List.of(
            denied("/etc/hostname", "fs.read_file"), denied("/work/out", "fs.make_reg"),
            denied("/work/out", "fs.read_dir"), denied("/opt/tool/bin/run", "fs.execute"),
            denied("/proc/5/mounts", "fs.read_file"), denied("/etc/ssl", "fs.read_dir"),
            new LandlockDenialRecord(List.of("net.connect_tcp"), null, "198.51.100.10", 8443, 1, T, T));

    @Test
    void eachPathGoesToTheListItsMissingRightsCallFor() {
        FilesystemSuggester.Suggestion files = FilesystemSuggester.suggest(DENIALS);

        assertThat(files.readOnly()).containsExactly("/etc/hostname", "/etc/ssl", "/proc");
        assertThat(files.readWrite()).as("written, so not read-only too").containsExactly("/work/out");
        assertThat(files.exec()).containsExactly("/opt/tool/bin/run");
        assertThat(files.json().toString()).isEqualTo("{\"readOnly\":[\"/etc/hostname\",\"/etc/ssl\",\"/proc\"],"
                + "\"readWrite\":[\"/work/out\"],\"exec\":[\"/opt/tool/bin/run\"]}");
    }

    @Test
    void aDocumentWithoutFilesystemKeepsItsReadOnlyHostViewAndOneWithItGainsThePaths() throws Exception {
        FilesystemSuggester.Suggestion files = FilesystemSuggester.suggest(DENIALS);
        ObjectNode without = (ObjectNode) JSON.readTree("{\"spec\":{\"id\":\"x\"}}");
        ObjectNode with = (ObjectNode) JSON.readTree("{\"spec\":{\"authority\":{\"filesystem\":{\"readOnly\":"
                + "[\"/usr\",\"/work/out\"]}}}}");

        assertThat(DocumentMerge.merge(without, List.of(), files).document().at("/spec/authority/filesystem").toString())
                .isEqualTo("{\"readOnly\":[\"/\",\"/etc/hostname\",\"/etc/ssl\",\"/proc\"],\"readWrite\":[\"/work/out\"],"
                        + "\"exec\":[\"/opt/tool/bin/run\"]}");
        assertThat(DocumentMerge.merge(with, List.of(), files).document().at("/spec/authority/filesystem").toString())
                .isEqualTo("{\"readOnly\":[\"/usr\",\"/etc/hostname\",\"/etc/ssl\",\"/proc\"],\"readWrite\":[\"/work/out\"],"
                        + "\"exec\":[\"/opt/tool/bin/run\"]}");
    }
}
