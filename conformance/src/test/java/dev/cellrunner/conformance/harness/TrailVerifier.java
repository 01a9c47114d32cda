package dev.cellrunner.conformance.harness;

import com.fasterxml.jackson.databind.JsonNode;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * Checks CONTRACT.md §3 on a trail with the suite's own code: the chain extensions, the DSSE envelope
 * in {@code dssematerial}, the core and ext digests recomputed from the event, and the Ed25519
 * signature over DSSE PAE. Returns every problem found; empty means the run verifies.
 */
public final class TrailVerifier {
    public static final String PAYLOAD_TYPE = "https://cloudevents.io/verifiability/dsse/v0.1";
    public static final List<String> SIGNED_EXTENSIONS = List.of("cellid", "runid", "chainseq", "chainprev");
    /** started and destroyed in a JSONL trail also sign runprev (the run chain, CONTRACT.md §3). */
    public static final String RUN_PREV = "runprev";
    public static final List<String> SIGNED_LINKED = List.of("cellid", "runid", "chainseq", "chainprev", RUN_PREV);
    private static final String NO_PREVIOUS = "0".repeat(64);
    /** DER prefix of an X.509 SubjectPublicKeyInfo for a raw 32-byte Ed25519 key. */
    private static final byte[] ED25519_SPKI_PREFIX = HexFormat.of().parseHex("302a300506032b6570032100");

    private TrailVerifier() {
    }

    /** Problems of one run's events (in trail order) against the key whose raw 32 bytes are given. */
    public static List<String> problems(List<CellEvent> run, byte[] rawPublicKey) {
        List<String> problems = new ArrayList<>();
        PublicKey key = publicKey(rawPublicKey);
        String keyId = keyId(rawPublicKey);
        String previous = NO_PREVIOUS;
        for (int seq = 0; seq < run.size(); seq++) {
            CellEvent event = run.get(seq);
            JsonNode json = event.json();
            String where = "line " + event.line() + " (" + event.type() + "): ";
            check(problems, where + "cellid", json.path("cellid").asText(), event.data().path("cellId").asText());
            check(problems, where + "runid", json.path("runid").asText(), event.runId());
            check(problems, where + "chainseq", json.path("chainseq").asText(), Integer.toString(seq));
            check(problems, where + "chainprev", json.path("chainprev").asText(), previous);
            Optional<JsonNode> envelope = decodeJson(json.path("dssematerial").asText());
            if (envelope.isEmpty()) {
                problems.add(where + "dssematerial is missing or not Base64 of a JSON DSSE envelope");
                previous = "(unknown)";
                continue;
            }
            byte[] payload = decode(envelope.get().path("payload").asText()).orElse(new byte[0]);
            check(problems, where + "payloadType", envelope.get().path("payloadType").asText(), PAYLOAD_TYPE);
            checkMaterial(problems, where, payload, event);
            checkSignature(problems, where, envelope.get(), payload, key, keyId);
            previous = sha256Hex(payload);
        }
        if (!run.isEmpty() && !run.get(run.size() - 1).is(EventType.DESTROYED)) {
            problems.add("the run does not end with destroyed");
        }
        return problems;
    }

    /** The contract's keyid: hex SHA-256 of the raw 32-byte public key. */
    public static String keyId(byte[] rawPublicKey) {
        return sha256Hex(rawPublicKey);
    }

    /** The raw 32-byte key in a file of unknown encoding: raw, hex, Base64/Base64url, or X.509 DER/PEM. */
    public static Optional<byte[]> rawPublicKey(byte[] file) {
        if (file.length == 32) {
            return Optional.of(file);
        }
        if (file.length == 44 && java.util.Arrays.equals(file, 0, 12, ED25519_SPKI_PREFIX, 0, 12)) {
            return Optional.of(java.util.Arrays.copyOfRange(file, 12, 44));
        }
        String text = new String(file, StandardCharsets.US_ASCII).replaceAll("-----[A-Z ]+-----", "").strip();
        if (text.matches("[0-9a-fA-F]{64}")) {
            return Optional.of(HexFormat.of().parseHex(text));
        }
        return decode(text.replaceAll("\\s", "")).filter(b -> b.length == 32 || b.length == 44)
                .filter(b -> b.length != file.length)
                .flatMap(TrailVerifier::rawPublicKey);
    }

    private static void checkMaterial(List<String> problems, String where, byte[] payload, CellEvent event) {
        Optional<JsonNode> material = parse(payload);
        if (material.isEmpty()) {
            problems.add(where + "the DSSE payload is not the JSON verification material");
            return;
        }
        List<String> signed = new ArrayList<>();
        material.get().path("signedextattrs").forEach(n -> signed.add(n.asText()));
        List<String> allowed = event.json().has(RUN_PREV) ? SIGNED_LINKED : SIGNED_EXTENSIONS;
        check(problems, where + "signedextattrs", signed.toString(), allowed.toString());
        check(problems, where + "core digest", material.get().path("core").asText(), b64(coreDigest(event.json())));
        check(problems, where + "ext digest", material.get().path("ext").asText(), b64(extDigest(event.json(), signed)));
    }

    private static void checkSignature(List<String> problems, String where, JsonNode envelope, byte[] payload,
                                       PublicKey key, String keyId) {
        boolean verified = false;
        for (JsonNode signature : envelope.path("signatures")) {
            if (keyId.equals(signature.path("keyid").asText())) {
                verified |= decode(signature.path("sig").asText()).map(sig -> verifies(key, payload, sig)).orElse(false);
            }
        }
        if (!verified) {
            problems.add(where + "no Ed25519 signature by keyid " + keyId + " verifies over DSSE PAE");
        }
    }

    /** CORE_DIGEST: SHA-256 over SHA-256 of each core attribute, then SHA-256 of the JCS data bytes. */
    static byte[] coreDigest(JsonNode event) {
        MessageDigest outer = sha256();
        for (String name : List.of("id", "source", "specversion", "type", "datacontenttype", "dataschema", "subject")) {
            outer.update(sha256(event.path(name).asText("")));
        }
        String time = event.hasNonNull("time")
                ? Instant.parse(event.path("time").asText()).truncatedTo(ChronoUnit.SECONDS).toString() : "";
        outer.update(sha256(time));
        outer.update(sha256(Jcs.canonical(event.path("data"))));
        return outer.digest();
    }

    /** EXT_DIGEST: SHA-256 over SHA-256 of each signed extension's canonical string, in the listed order. */
    static byte[] extDigest(JsonNode event, List<String> names) {
        MessageDigest outer = sha256();
        names.forEach(name -> outer.update(sha256(event.path(name).asText(""))));
        return outer.digest();
    }

    /**
     * The DSSE payload (the verification material) for an event as it stands: what a signer computes from
     * the contract's text, with the given signed extension attributes.
     */
    public static byte[] payload(JsonNode event, List<String> signedExtAttrs) {
        StringBuilder names = new StringBuilder();
        for (String name : signedExtAttrs) {
            names.append(names.length() == 0 ? "" : ",").append('"').append(name).append('"');
        }
        return ("{\"core\":\"" + b64(coreDigest(event)) + "\",\"ext\":\"" + b64(extDigest(event, signedExtAttrs))
                + "\",\"signedextattrs\":[" + names + "]}").getBytes(StandardCharsets.UTF_8);
    }

    /** The payload of a line's dssematerial envelope, as signed. */
    public static byte[] signedPayload(JsonNode event) {
        JsonNode envelope = decodeJson(event.path("dssematerial").asText())
                .orElseThrow(() -> new AssertionError("no DSSE envelope in " + event));
        return decode(envelope.path("payload").asText()).orElseThrow();
    }

    /** DSSE v1 pre-authentication encoding. */
    static byte[] pae(String payloadType, byte[] payload) {
        byte[] type = payloadType.getBytes(StandardCharsets.UTF_8);
        byte[] head = ("DSSEv1 " + type.length + " " + payloadType + " " + payload.length + " ")
                .getBytes(StandardCharsets.UTF_8);
        byte[] all = java.util.Arrays.copyOf(head, head.length + payload.length);
        System.arraycopy(payload, 0, all, head.length, payload.length);
        return all;
    }

    private static boolean verifies(PublicKey key, byte[] payload, byte[] sig) {
        try {
            Signature verifier = Signature.getInstance("Ed25519");
            verifier.initVerify(key);
            verifier.update(pae(PAYLOAD_TYPE, payload));
            return verifier.verify(sig);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    private static PublicKey publicKey(byte[] raw) {
        byte[] spki = java.util.Arrays.copyOf(ED25519_SPKI_PREFIX, ED25519_SPKI_PREFIX.length + raw.length);
        System.arraycopy(raw, 0, spki, ED25519_SPKI_PREFIX.length, raw.length);
        try {
            return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(spki));
        } catch (GeneralSecurityException e) {
            throw new AssertionError("not an Ed25519 public key: " + HexFormat.of().formatHex(raw), e);
        }
    }

    private static void check(List<String> problems, String what, String actual, String expected) {
        if (!expected.equals(actual)) {
            problems.add(what + " is '" + actual + "', expected '" + expected + "'");
        }
    }

    private static Optional<JsonNode> decodeJson(String base64) {
        return decode(base64).flatMap(TrailVerifier::parse);
    }

    private static Optional<JsonNode> parse(byte[] json) {
        try {
            JsonNode node = Trail.JSON.readTree(json);
            return node != null && node.isObject() ? Optional.of(node) : Optional.empty();
        } catch (java.io.IOException e) {
            return Optional.empty();
        }
    }

    /** Base64 in either alphabet, padded or not. */
    public static Optional<byte[]> decode(String text) {
        if (text == null || text.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(Base64.getDecoder().decode(text));
        } catch (IllegalArgumentException standardFailed) {
            try {
                return Optional.of(Base64.getUrlDecoder().decode(text));
            } catch (IllegalArgumentException e) {
                return Optional.empty();
            }
        }
    }

    private static String b64(byte[] bytes) {
        return Base64.getEncoder().encodeToString(bytes);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    private static byte[] sha256(String text) {
        return sha256().digest(text.getBytes(StandardCharsets.UTF_8));
    }

    public static String sha256Hex(byte[] bytes) {
        return HexFormat.of().formatHex(sha256().digest(bytes));
    }
}
