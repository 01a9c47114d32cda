package dev.cellrunner.events;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class JcsTest {
    private static String canonical(String json) throws IOException {
        return new String(Jcs.canonicalize(json.getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8);
    }

    @Test
    void rfc8785ExampleCanonicalisesAsPublished() throws IOException {
        String input = "{\n  \"numbers\": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],\n"
                + "  \"string\": \"\\u20ac$\\u000F\\u000aA'\\u0042\\u0022\\u005c\\\\\\\"\\/\",\n"
                + "  \"literals\": [null, true, false]\n}";
        assertThat(canonical(input)).isEqualTo("{\"literals\":[null,true,false],"
                + "\"numbers\":[333333333.3333333,1e+30,4.5,0.002,1e-27],"
                + "\"string\":\"\u20ac$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"}");
    }

    @Test
    void escapesAreWrittenWhereverInAStringTheyFall() throws IOException {
        // plain strings are copied whole; from the first character that needs care, one at a time
        String input = "[\"plain\", \"\\\"first\", \"mid\\\\dle\", \"last\\n\", \"a\\u0001b\\tc\", "
                + "\"x\\ud83d\\ude00y\\\"\", \"\"]";
        assertThat(canonical(input)).isEqualTo("[\"plain\",\"\\\"first\",\"mid\\\\dle\",\"last\\n\","
                + "\"a\\u0001b\\tc\",\"x\ud83d\ude00y\\\"\",\"\"]");
    }

    @Test
    void membersAreSortedByUtf16CodeUnits() throws IOException {
        String input = "{\"\\u20ac\":1,\"\\r\":2,\"\\ufb33\":3,\"1\":4,\"\\ud83d\\ude00\":5,\"\\u0080\":6,\"\\u00f6\":7}";
        assertThat(canonical(input)).isEqualTo(
                "{\"\\r\":2,\"1\":4,\"\u0080\":6,\"\u00f6\":7,\"\u20ac\":1,\"\ud83d\ude00\":5,\"\ufb33\":3}");
    }

    /** Expected strings printed by ECMAScript (node) for the same IEEE 754 values. */
    @ParameterizedTest
    @CsvSource({
            "0000000000000000, 0", "8000000000000000, 0",
            "0000000000000001, 5e-324", "8000000000000001, -5e-324",
            "7fefffffffffffff, 1.7976931348623157e+308", "4340000000000000, 9007199254740992",
            "4430000000000000, 295147905179352830000", "44b52d02c7e14af5, 9.999999999999997e+22",
            "44b52d02c7e14af6, 1e+23", "44b52d02c7e14af7, 1.0000000000000001e+23",
            "444b1ae4d6e2ef4e, 999999999999999700000", "444b1ae4d6e2ef50, 1e+21",
            "3eb0c6f7a0b5ed8c, 9.999999999999997e-7", "3eb0c6f7a0b5ed8d, 0.000001",
            "41b3de4355555553, 333333333.3333332", "41b3de4355555554, 333333333.33333325",
            "41b3de4355555557, 333333333.33333343", "becbf647612f3696, -0.0000033333333333333333",
            "43143ff3c1cb0959, 1424953923781206.2", "3ff0000000000001, 1.0000000000000002",
            "0010000000000000, 2.2250738585072014e-308"})
    void numbersPrintAsEcmaScriptDoes(String bits, String expected) {
        double d = Double.longBitsToDouble(Long.parseUnsignedLong(bits, 16));
        assertThat(Jcs.formatDouble(d)).isEqualTo(expected);
    }

    @Test
    void everyPrintedNumberReadsBackAsTheSameDouble() {
        SplittableRandom random = new SplittableRandom(8785);
        for (int i = 0; i < 20_000; i++) {
            double d = Double.longBitsToDouble(random.nextLong());
            if (Double.isNaN(d) || Double.isInfinite(d)) {
                continue;
            }
            String printed = Jcs.formatDouble(d);
            assertThat(Double.parseDouble(printed)).as(printed).isEqualTo(d == 0 ? 0.0 : d);
        }
    }

    @Test
    void largeIntegersAreNumbersNotDigitStrings() throws IOException {
        assertThat(canonical("[2147483648, 9007199254740993, -0, 1.0, 100]"))
                .isEqualTo("[2147483648,9007199254740992,0,1,100]");
    }

    @Test
    void canonicalFormIsAFixedPoint() throws IOException {
        String once = canonical("{ \"b\": [1, {\"z\": null, \"a\": \"\\u001f\\t\"}], \"a\": 0.5e1 }");
        assertThat(canonical(once)).isEqualTo(once).isEqualTo("{\"a\":5,\"b\":[1,{\"a\":\"\\u001f\\t\",\"z\":null}]}");
    }

    @Test
    void duplicateMemberNamesAreRejected() {
        assertThatThrownBy(() -> canonical("{\"exitCode\":1,\"exitCode\":0}")).isInstanceOf(IOException.class)
                .hasMessageContaining("exitCode");
    }

    @Test
    void loneSurrogatesAreRejected() {
        assertThatThrownBy(() -> canonical("[\"\\ud800x\"]")).hasMessageContaining("surrogate");
    }
}
