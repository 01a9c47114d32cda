package dev.cellrunner.runner.learn;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code policy suggest}'s output for recorded {@code network_enforcement} records: each case's
 * {@code NAME.records.json} (the data of one event per run) gives exactly {@code NAME.rules.json} on
 * standard output and {@code NAME.stderr.txt} (warnings, then notes) on standard error. With
 * {@code -Dgolden.update=true} the expected files are written from the output instead (review the diff).
 */
class PolicySuggestGoldenTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path GOLDEN = Path.of("src/test/resources/learn/golden");

    @ParameterizedTest
    @ValueSource(strings = {"cname-chain", "two-names-one-address", "ipv6", "udp", "wildcards", "two-runs-truncated"})
    void suggestionsMatchTheGoldenFiles(String name) throws IOException {
        ObservedTraffic traffic = ObservedTraffic.NONE;
        int run = 0;
        for (JsonNode data : JSON.readTree(GOLDEN.resolve(name + ".records.json").toFile())) {
            traffic = traffic.plus(ObservedTraffic.of("run-" + ++run, data));
        }
        PolicySuggester.Suggestion suggestion = PolicySuggester.suggest(traffic, PolicySuggester.DEFAULT_WILDCARD_AFTER);
        String rules = PolicySuggester.json(suggestion.rules());
        List<String> stderr = new ArrayList<>(suggestion.warnings());
        suggestion.notes().forEach(note -> stderr.add("note: " + note));
        String messages = stderr.isEmpty() ? "" : String.join("\n", stderr) + "\n";
        if (Boolean.getBoolean("golden.update")) {
            Files.writeString(GOLDEN.resolve(name + ".rules.json"), rules);
            Files.writeString(GOLDEN.resolve(name + ".stderr.txt"), messages);
        }
        assertThat(rules).isEqualTo(Files.readString(GOLDEN.resolve(name + ".rules.json")));
        assertThat(messages).isEqualTo(Files.readString(GOLDEN.resolve(name + ".stderr.txt")));
        // the same records in another order give the same output
        ObservedTraffic reversed = new ObservedTraffic(reverse(traffic.flows()), reverse(traffic.queries()),
                traffic.truncated());
        assertThat(PolicySuggester.json(PolicySuggester.suggest(reversed, PolicySuggester.DEFAULT_WILDCARD_AFTER).rules()))
                .isEqualTo(rules);
    }

    private static <T> List<T> reverse(List<T> list) {
        List<T> reversed = new ArrayList<>(list);
        java.util.Collections.reverse(reversed);
        return reversed;
    }
}
