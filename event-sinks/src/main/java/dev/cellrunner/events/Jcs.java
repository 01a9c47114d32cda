package dev.cellrunner.events;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.io.schubfach.DoubleToDecimal;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * RFC 8785 JSON Canonicalization Scheme: object members sorted by UTF-16 code units, no whitespace,
 * minimal string escapes, numbers as ECMAScript prints the IEEE 754 double they denote.
 * Signatures cover these bytes, so a verifier can re-canonicalise data that a log pipeline reformatted.
 */
public final class Jcs {
    /** Parses strictly: a duplicate member name is an error, never "last one wins" (a classic log-forgery trick). */
    public static final ObjectMapper STRICT = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .disable(JsonParser.Feature.ALLOW_NON_NUMERIC_NUMBERS)
            .build();

    private Jcs() {
    }

    public static byte[] canonicalize(JsonNode value) {
        StringBuilder out = new StringBuilder(256);
        write(value, out);
        return out.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Parses JSON text strictly and returns its canonical bytes. */
    public static byte[] canonicalize(byte[] json) throws IOException {
        return canonicalize(parse(json));
    }

    public static JsonNode parse(byte[] json) throws IOException {
        JsonNode node = STRICT.readTree(json);
        if (node == null || node.isMissingNode()) {
            throw new IOException("no JSON value");
        }
        return node;
    }

    private static void write(JsonNode node, StringBuilder out) {
        switch (node.getNodeType()) {
            case OBJECT -> writeObject(node, out);
            case ARRAY -> {
                out.append('[');
                for (int i = 0; i < node.size(); i++) {
                    if (i > 0) {
                        out.append(',');
                    }
                    write(node.get(i), out);
                }
                out.append(']');
            }
            case STRING -> writeString(node.textValue(), out);
            case NUMBER -> out.append(number(node));
            case BOOLEAN -> out.append(node.booleanValue());
            case NULL -> out.append("null");
            default -> throw new IllegalArgumentException("not a JSON value: " + node.getNodeType());
        }
    }

    private static void writeObject(JsonNode node, StringBuilder out) {
        List<Map.Entry<String, JsonNode>> members = new ArrayList<>(node.size());
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            members.add(it.next());
        }
        // String.compareTo compares UTF-16 code units, exactly the order RFC 8785 prescribes.
        members.sort(Map.Entry.comparingByKey());
        out.append('{');
        for (int i = 0; i < members.size(); i++) {
            if (i > 0) {
                out.append(',');
            }
            writeString(members.get(i).getKey(), out);
            out.append(':');
            write(members.get(i).getValue(), out);
        }
        out.append('}');
    }

    private static void writeString(String s, StringBuilder out) {
        out.append('"');
        int plain = plainPrefix(s);
        if (plain == s.length()) {
            out.append(s).append('"'); // the usual case: one copy, not a call per character
            return;
        }
        out.append(s, 0, plain);
        for (int i = plain; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else if (Character.isSurrogate(c)) {
                        if (!Character.isHighSurrogate(c) || i + 1 >= s.length()
                                || !Character.isLowSurrogate(s.charAt(i + 1))) {
                            throw new IllegalArgumentException("string holds a lone surrogate at index " + i);
                        }
                        out.append(c).append(s.charAt(++i));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }

    /** How many leading characters of {@code s} are written as they are (no escape, no surrogate). */
    private static int plainPrefix(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == '"' || c == '\\' || Character.isSurrogate(c)) {
                return i;
            }
        }
        return s.length();
    }

    private static String number(JsonNode node) {
        if (node.canConvertToLong() && node.isIntegralNumber()) {
            long v = node.longValue();
            if (Math.abs(v) <= (1L << 53)) {
                return Long.toString(v);
            }
        }
        return formatDouble(node.isBigDecimal() || node.isBigInteger() || node.isIntegralNumber()
                ? node.decimalValue().doubleValue() : node.doubleValue());
    }

    /**
     * ECMAScript Number::toString for a finite double (RFC 8785 section 3.2.2.3): the shortest decimal
     * that reads back as {@code d}, the closest one when several are as short. The digits come from
     * Jackson's port of Giulietti's Schubfach (the algorithm of Java 19's Double.toString; Java 17's is
     * neither shortest nor fast on subnormals), in linear time whatever the value. Schubfach renders at
     * least two digits; where one digit reads back as well, ECMAScript takes it, so that case is checked.
     */
    static String formatDouble(double d) {
        if (Double.isNaN(d) || Double.isInfinite(d)) {
            throw new IllegalArgumentException("JSON has no " + d);
        }
        if (d == 0) {
            return "0";
        }
        Decimal shortest = Decimal.of(Math.abs(d));
        String digits = shortest.digits;
        int k = digits.length();
        int n = shortest.pointPosition; // value = 0.digits * 10^n
        StringBuilder out = new StringBuilder(24);
        if (d < 0) {
            out.append('-');
        }
        if (k <= n && n <= 21) {
            out.append(digits);
            for (int i = k; i < n; i++) {
                out.append('0');
            }
        } else if (0 < n && n <= 21) {
            out.append(digits, 0, n).append('.').append(digits, n, k);
        } else if (-6 < n && n <= 0) {
            out.append("0.");
            for (int i = n; i < 0; i++) {
                out.append('0');
            }
            out.append(digits);
        } else {
            out.append(digits.charAt(0));
            if (k > 1) {
                out.append('.').append(digits, 1, k);
            }
            int e = n - 1;
            out.append('e').append(e < 0 ? '-' : '+').append(Math.abs(e));
        }
        return out.toString();
    }

    /** Significant digits (no leading or trailing zeros) and where the point goes: 0.digits * 10^pointPosition. */
    private record Decimal(String digits, int pointPosition) {
        static Decimal of(double positive) {
            Decimal decimal = parse(DoubleToDecimal.toString(positive));
            return decimal.digits.length() == 2 ? oneDigitIfItReadsBack(positive, decimal) : decimal;
        }

        /** Java's "1.2345E-7" or "123.45" form, as digits and a point position. */
        private static Decimal parse(String java) {
            int e = java.indexOf('E');
            String mantissa = e < 0 ? java : java.substring(0, e);
            int exponent = e < 0 ? 0 : Integer.parseInt(java.substring(e + 1));
            int dot = mantissa.indexOf('.');
            StringBuilder digits = new StringBuilder(mantissa.length());
            digits.append(mantissa, 0, dot).append(mantissa, dot + 1, mantissa.length());
            int point = dot + exponent;
            int lead = 0;
            while (lead < digits.length() - 1 && digits.charAt(lead) == '0') {
                lead++;
            }
            int trail = digits.length();
            while (trail > lead + 1 && digits.charAt(trail - 1) == '0') {
                trail--;
            }
            return new Decimal(digits.substring(lead, trail), point - lead);
        }

        /** Of the one-digit decimals either side of a two-digit one, the one that reads back (the closer if both). */
        private static Decimal oneDigitIfItReadsBack(double value, Decimal two) {
            int first = two.digits.charAt(0) - '0';
            Decimal down = new Decimal(Integer.toString(first), two.pointPosition);
            Decimal up = first == 9 ? new Decimal("1", two.pointPosition + 1)
                    : new Decimal(Integer.toString(first + 1), two.pointPosition);
            boolean downOk = down.doubleValue() == value;
            boolean upOk = up.doubleValue() == value;
            if (downOk && upOk) {
                BigDecimal exact = new BigDecimal(value);
                int cmp = exact.subtract(down.bigDecimal()).compareTo(up.bigDecimal().subtract(exact));
                return cmp < 0 ? down : cmp > 0 ? up : ((down.digits.charAt(0) - '0') % 2 == 0 ? down : up);
            }
            return downOk ? down : upOk ? up : two;
        }

        private BigDecimal bigDecimal() {
            return new BigDecimal(new java.math.BigInteger(digits), digits.length() - pointPosition);
        }

        private double doubleValue() {
            return Double.parseDouble(digits + "E" + (pointPosition - digits.length()));
        }
    }
}
