package dev.cellrunner.events;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * verify's streaming reads of the DSSE envelope, the verification material and the lines of a trail give what
 * the general readings give, for the usual shape and for every unusual one (which they hand back to the tree).
 */
class StreamingReadsTest {
    private static final String SIG = Base64.getEncoder().encodeToString(new byte[64]);
    private static final String PAYLOAD = Base64.getEncoder().encodeToString("{}".getBytes(StandardCharsets.UTF_8));
    private static final String DIGEST = Base64.getEncoder().encodeToString(new byte[32]);
    /** k0 to k19, and m0 to m199: more members than the first table for an object's names holds. */
    private static final String TWENTY_MEMBERS = members("k", 20);
    private static final String MANY_MEMBERS = members("m", 200);

    @ParameterizedTest
    @ValueSource(strings = {
            "{\"payloadType\":\"t\",\"payload\":\"P\",\"signatures\":[{\"keyid\":\"k\",\"sig\":\"S\"}]}",
            "{\"signatures\":[{\"sig\":\"S\",\"keyid\":\"k\"},{\"keyid\":\"k2\",\"sig\":\"S\"}],\"payload\":\"P\",\"payloadType\":\"t\"}",
            " { \"payloadType\" : \"t\" , \"payload\":\"P\",\"signatures\":[{\"keyid\":\"k\",\"sig\":\"S\"}] } ",
            "{\"payloadType\":\"t\",\"payload\":\"P\",\"signatures\":[{\"sig\":\"S\"}]}",
            "{\"payloadType\":\"t\",\"payload\":\"P\",\"signatures\":[{\"keyid\":7,\"sig\":\"S\"}]}",
            "{\"payloadType\":\"t\",\"payload\":\"P\",\"signatures\":[{\"keyid\":\"k\",\"sig\":\"S\",\"x\":[1.5e400]}]}",
            "{\"payloadType\":\"t\",\"payload\":\"P\",\"signatures\":[{\"keyid\":\"k\",\"sig\":\"S\"}],\"extra\":{\"a\":1}}",
            "{\"payloadType\":\"t\",\"payload\":\"P\",\"payload\":\"P\",\"signatures\":[{\"keyid\":\"k\",\"sig\":\"S\"}]}",
            "{\"payloadType\":\"t\",\"payload\":\"P\",\"signatures\":[{\"keyid\":\"k\",\"keyid\":\"k\",\"sig\":\"S\"}]}",
            "{\"payloadType\":\"t\",\"payload\":\"P\",\"signatures\":[]}",
            "{\"payloadType\":\"t\",\"payload\":\"P\",\"signatures\":[\"S\"]}",
            "{\"payloadType\":\"t\",\"payload\":\"P\",\"signatures\":{}}",
            "{\"payload\":\"P\",\"signatures\":[{\"keyid\":\"k\",\"sig\":\"not base64!\"}]}",
            "{\"payloadType\":\"t\",\"payload\":\"not base64!\",\"signatures\":[{\"keyid\":\"k\",\"sig\":\"S\"}]}",
            "{\"payloadType\":\"t\",\"payload\":\"P\",\"signatures\":[{\"keyid\":\"k\",\"sig\":\"S\"}]} {}",
            "{\"payloadType\":\"t\",\"payload\":\"P\",\"signatures\":[{\"keyid\":\"k\",\"sig\":\"S\"}]",
            "{\"payloadType\":null,\"payload\":\"P\",\"signatures\":[{\"keyid\":\"k\",\"sig\":\"S\"}]}",
            "[\"payloadType\"]", "\"t\"", "", "nul"})
    void theEnvelopeReadsAsTheTreeReadsIt(String shape) {
        byte[] json = shape.replace("\"P\"", "\"" + PAYLOAD + "\"").replace("\"S\"", "\"" + SIG + "\"")
                .getBytes(StandardCharsets.UTF_8);
        assertThat(outcome(() -> Dsse.Envelope.parse(json))).isEqualTo(outcome(() -> Dsse.Envelope.parseTree(json)));
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "{\"core\":\"D\",\"ext\":\"D\",\"signedextattrs\":[\"runid\",\"chainseq\"]}",
            "{\"signedextattrs\":[\"runid\"],\"ext\":\"D\",\"core\":\"D\"}",
            "{\"core\":\"D\"}",
            "{\"core\":\"D\",\"ext\":\"D\",\"signedextattrs\":[]}",
            "{\"core\":\"D\",\"ext\":\"D\"}",
            "{\"core\":\"D\",\"signedextattrs\":[\"runid\"]}",
            "{\"core\":\"D\",\"ext\":\"D\",\"signedextattrs\":[\"runid\",\"runid\"]}",
            "{\"core\":\"D\",\"ext\":\"D\",\"signedextattrs\":[\"time\"]}",
            "{\"core\":\"D\",\"ext\":\"D\",\"signedextattrs\":[\"runid\",3]}",
            "{\"core\":\"D\",\"ext\":\"D\",\"signedextattrs\":\"runid\"}",
            "{\"core\":\"D\",\"core\":\"D\"}",
            "{\"core\":\"AAAA\"}",
            "{\"core\":\"not base64!\"}",
            "{\"core\":7}",
            "{\"core\":\"D\",\"unknown\":{\"a\":[1,2]}}",
            "{\"core\":\"D\"} x",
            "{\"ext\":\"D\",\"signedextattrs\":[\"runid\"]}",
            "[]", "{}", ""})
    void theVerificationMaterialReadsAsTheTreeReadsIt(String shape) {
        byte[] json = shape.replace("\"D\"", "\"" + DIGEST + "\"").getBytes(StandardCharsets.UTF_8);
        assertThat(outcome(() -> VerificationMaterial.parse(json)))
                .isEqualTo(outcome(() -> VerificationMaterial.parseTree(json)));
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "{\"a\":1,\"a\":2}",
            "{\"a\":{\"b\":1,\"c\":2,\"b\":3}}",
            "{\"a\":[{\"x\":1},{\"x\":2,\"y\":3,\"x\":4}]}",
            "{\"a\":[[{\"z\":1,\"z\":1}]]}",
            "{\"a\":{\"b\":1},\"c\":{\"b\":1},\"b\":{\"b\":{\"b\":1}},\"d\":[{\"b\":1},{\"b\":2}]}",
            "{K20,\"k3\":0}",
            "{K20,\"k20\":0}",
            "{\"o1\":{K20},\"o2\":{\"k0\":1,\"k1\":1}}",
            "{\"o1\":{K20},\"o2\":{\"k0\":1,\"k0\":2}}",
            "{\"o1\":{K20,\"k19\":1},\"o2\":{}}",
            "{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":1,\"b\":2}}}}}}}}}}",
            "{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"b\":1,\"b\":2}}}}}}}}}}",
            "{\"runId\":{\"x\":1,\"x\":2}}",
            "{\"runId\":\"r\",\"cellId\":\"c\",\"runId\":\"r\"}",
            "{\"a\":[1,{\"b\":[{}]},\"s\",null]}",
            "{\"o\":{M200}}",
            "{\"o\":{M200,\"m150\":0}}",
            "{\"o\":{M200},\"p\":{M200},\"q\":[{M200,\"k0\":0}]}"})
    void duplicateMembersInDataFailAsTheTreeFailsThem(String data) {
        byte[] json = ("{\"specversion\":\"1.0\",\"id\":\"i\",\"source\":\"/s\",\"type\":\"t\",\"data\":"
                + data.replace("K20", TWENTY_MEMBERS).replace("M200", MANY_MEMBERS) + "}")
                .getBytes(StandardCharsets.UTF_8);
        String scanned = verdict(() -> TrailEvent.scan(json, "line"));
        assertThat(scanned).isEqualTo(verdict(() -> TrailEvent.parse(json, "line")));
        assertThat(scanned).isEqualTo(data.matches(".*(\"a\":1,\"a\"|\"b\":3|\"x\":4|\"z\":1,\"z|k3\":0|\"k0\":2"
                + "|k19\":1|m150\":0|\"b\":1,\"b\"|\"x\":1,\"x|\"runId\":\"r\"}).*") ? "duplicate" : "ok");
    }

    private static String members(String prefix, int count) {
        return java.util.stream.IntStream.range(0, count).mapToObj(i -> "\"" + prefix + i + "\":" + i)
                .collect(java.util.stream.Collectors.joining(","));
    }

    /** "ok", "duplicate" for the strict parser's refusal of a member named twice, or the failure. */
    private static String verdict(Read read) {
        try {
            read.get();
            return "ok";
        } catch (Exception e) {
            return e.getMessage() != null && e.getMessage().startsWith("Duplicate field '") ? "duplicate"
                    : e.getClass().getName() + ": " + e.getMessage();
        }
    }

    @Test
    void linesAreTheSameWhateverTheReadsSizes() throws IOException {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 200; i++) {
            text.append("x".repeat(i * 37 % 3000)).append('\n');
        }
        text.append("\n\nlast, no newline");
        byte[] bytes = text.toString().getBytes(StandardCharsets.UTF_8);
        List<String> whole = lines(new ByteArrayInputStream(bytes));
        assertThat(whole).hasSize(203).endsWith("203 false 16");
        for (int chunk : new int[] {1, 7, 4096}) {
            assertThat(lines(new Trickle(bytes, chunk))).isEqualTo(whole);
        }
    }

    @Test
    void aLineOverTheLimitIsFlaggedWhereverItsBytesArrive() throws IOException {
        byte[] bytes = new byte[2 * TrailLines.MAX_LINE + 10];
        Arrays.fill(bytes, (byte) 'a');
        bytes[TrailLines.MAX_LINE] = '\n';                 // line 1: exactly the limit, kept
        bytes[2 * TrailLines.MAX_LINE + 2] = '\n';          // line 2: one byte over it, flagged
        List<String> expected = List.of("1 true " + TrailLines.MAX_LINE, "2 true overlong", "3 false 7");
        assertThat(lines(new ByteArrayInputStream(bytes))).isEqualTo(expected);
        assertThat(lines(new Trickle(bytes, 65_537))).isEqualTo(expected);
    }

    private static List<String> lines(InputStream in) throws IOException {
        List<String> out = new ArrayList<>();
        TrailLines.read(in, line -> out.add(line.number() + " " + line.terminated() + " "
                + (line.overlong() ? "overlong" : String.valueOf(line.bytes().length))));
        return out;
    }

    private interface Read {
        Object get() throws IOException;
    }

    /** What a reading gives, comparable: the value, or the failure's class and message. */
    private static String outcome(Read read) {
        try {
            Object value = read.get();
            return value instanceof Dsse.Envelope e ? e.payloadType() + " " + Arrays.toString(e.payload()) + " "
                    + e.signatures().stream().map(s -> s.keyid() + ":" + Arrays.toString(s.sig())).toList()
                    : value instanceof VerificationMaterial m ? Arrays.toString(m.core()) + " " + Arrays.toString(m.ext())
                    + " " + m.signedExtAttrs() : String.valueOf(value);
        } catch (Exception e) {
            return e.getClass().getName() + ": " + e.getMessage();
        }
    }

    /** A stream that hands out at most {@code chunk} bytes per read, as a pipe or socket may. */
    private static final class Trickle extends InputStream {
        private final byte[] bytes;
        private final int chunk;
        private int at;

        Trickle(byte[] bytes, int chunk) {
            this.bytes = bytes;
            this.chunk = chunk;
        }

        @Override
        public int read() {
            return at < bytes.length ? bytes[at++] & 0xff : -1;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (at >= bytes.length) {
                return -1;
            }
            int n = Math.min(Math.min(len, chunk), bytes.length - at);
            System.arraycopy(bytes, at, b, off, n);
            at += n;
            return n;
        }
    }
}
