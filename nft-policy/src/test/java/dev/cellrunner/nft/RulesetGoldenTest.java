package dev.cellrunner.nft;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

import static dev.cellrunner.nft.Fixtures.prefix;
import static org.assertj.core.api.Assertions.assertThat;

/** The generated text, byte for byte; a change here is a change of policy and must be reviewed. */
class RulesetGoldenTest {
    static final String TABLE = "cellrunner_4242_1";
    static final String VETH = "cr4242-1";

    static NftTable cellTable() {
        return CellRuleset.compile(TABLE, AllowSets.of(Fixtures.pinned()));
    }

    static NftTable hostTable() {
        return HostFilter.compile(TABLE, VETH, AllowSets.of(Fixtures.pinned()),
                Optional.of(prefix("198.18.0.4/30")), Optional.of(prefix("fdc3:11f0:5a7e:1::/64")));
    }

    @Test
    void cellRuleset() throws IOException {
        assertThat(cellTable().text()).isEqualTo(golden("cell-ruleset.nft"));
    }

    @Test
    void hostFilter() throws IOException {
        assertThat(hostTable().text()).isEqualTo(golden("host-filter.nft"));
    }

    @Test
    void noEgressStillGetsTheWholeShape() throws IOException {
        assertThat(CellRuleset.compile(TABLE, AllowSets.of(java.util.List.of())).text())
                .isEqualTo(golden("cell-ruleset-empty.nft"));
    }

    @Test
    void ruleCountDoesNotGrowWithDeclaredRules() {
        int few = cellTable().chains().get(0).rules().size();
        java.util.List<PinnedRule> many = RandomRules.pinned(new java.util.Random(7)::nextInt, 1000);
        assertThat(CellRuleset.compile(TABLE, AllowSets.of(many)).chains().get(0).rules()).hasSize(few);
    }

    static String golden(String name) throws IOException {
        try (InputStream in = RulesetGoldenTest.class.getResourceAsStream("/golden/" + name)) {
            assertThat(in).as("golden file " + name).isNotNull();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
