package dev.cellrunner.runner.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cellrunner.spec.Correlation;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** Events carry the correlation as Jackson's data binding wrote it before; the hand-built tree is the same. */
class CorrelationTreeTest {
    static Stream<Correlation> correlations() {
        return Stream.of(new Correlation("gitlab", "981", Map.of("team", "infra", "stage", "test")),
                new Correlation(null, "981", null), new Correlation("github", null, Map.of()),
                new Correlation(null, null, null));
    }

    @ParameterizedTest
    @MethodSource("correlations")
    void theTreeIsWhatJacksonMakesOfTheRecord(Correlation correlation) {
        assertThat(CellLauncher.tree(correlation)).isEqualTo(new ObjectMapper().valueToTree(correlation));
    }
}
