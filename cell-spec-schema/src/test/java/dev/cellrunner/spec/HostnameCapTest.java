package dev.cellrunner.spec;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Every hostname is resolved before a cell starts, so a document may name only so many (exit 65 past that). */
class HostnameCapTest {
    private static byte[] withHostnames(int count, int repeatsOfFirst) {
        List<String> rules = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            rules.add("{\"host\": \"h" + i + ".example.org\", \"port\": 443}");
        }
        for (int i = 0; i < repeatsOfFirst; i++) {
            rules.add("{\"host\": \"h0.example.org\", \"port\": " + (1000 + i) + "}");
        }
        rules.add("{\"host\": \"198.51.100.7\", \"port\": 443}");
        return document(rules);
    }

    private static byte[] document(List<String> rules) {
        return ("{\"apiVersion\": \"cellos.io/v1\", \"kind\": \"ExecutionCell\", \"spec\": {\"id\": \"names\","
                + " \"authority\": {\"egressRules\": [" + String.join(",", rules) + "]},"
                + " \"lifetime\": {\"ttlSeconds\": 5}, \"run\": {\"argv\": [\"/bin/true\"]}}}").getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void thirtyTwoDistinctHostnamesAreAllowedWhateverTheirPorts() {
        Results.valid(withHostnames(SpecRules.MAX_HOSTNAMES, 100));
    }

    @Test
    void wildcardsDoNotCountAndOneNameWrittenTwoWaysCountsOnce() {
        List<String> rules = new ArrayList<>();
        for (int i = 0; i < SpecRules.MAX_HOSTNAMES; i++) {
            rules.add("{\"host\": \"h" + i + ".example.org\", \"port\": 443}");
            rules.add("{\"host\": \"*.w" + i + ".example.org\", \"port\": 443}");
            rules.add("{\"host\": \"*.v" + i + ".example.org\", \"port\": 443}");
        }
        rules.add("{\"host\": \"H0.Example.ORG.\", \"port\": 8443}");
        Results.valid(document(rules));
        rules.add("{\"host\": \"h32.example.org\", \"port\": 443}");
        assertThat(Results.onlyProblem(document(rules)).pointer()).isEqualTo("/spec/authority/egressRules/97/host");
    }

    @Test
    void theThirtyThirdDistinctHostnameIsAProblemAtItsPointer() {
        SpecProblem problem = Results.onlyProblem(withHostnames(100, 0));
        assertThat(problem.pointer()).isEqualTo("/spec/authority/egressRules/32/host");
        assertThat(problem.message()).contains("more than 32 distinct hostnames");
    }
}
