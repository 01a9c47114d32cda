package dev.cellrunner.events;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The DSSE payload of the CloudEvents Verifiability extension: {@code core} (digest of the context
 * attributes and data), {@code ext} (digest of the signed extension values) and {@code signedextattrs}.
 */
public record VerificationMaterial(byte[] core, byte[] ext, List<String> signedExtAttrs) {
    public static final String PAYLOAD_TYPE = "https://cloudevents.io/verifiability/dsse/v0.1";
    private static final Set<String> FORBIDDEN = Set.of("id", "source", "specversion", "type", "datacontenttype",
            "dataschema", "subject", "time", ExtensionNames.DSSE_MATERIAL);

    public VerificationMaterial {
        signedExtAttrs = List.copyOf(signedExtAttrs);
        requireValidNames(signedExtAttrs);
        if ((ext == null) != signedExtAttrs.isEmpty()) {
            throw new IllegalArgumentException("ext and signedextattrs must be present together");
        }
    }

    public static VerificationMaterial of(SignedContent content, List<String> signedExtAttrs) {
        return new VerificationMaterial(coreDigest(content),
                signedExtAttrs.isEmpty() ? null : extDigest(content, signedExtAttrs), signedExtAttrs);
    }

    public static byte[] coreDigest(SignedContent c) {
        byte[] digests = new byte[32 * 9];
        put(digests, 0, Digests.sha256Utf8(c.id()));
        put(digests, 1, Digests.sha256Repeated(c.source()));
        put(digests, 2, Digests.sha256Repeated(c.specversion()));
        put(digests, 3, Digests.sha256Repeated(c.type()));
        put(digests, 4, Digests.sha256Repeated(c.datacontenttype()));
        put(digests, 5, Digests.sha256Repeated(c.dataschema()));
        put(digests, 6, Digests.sha256Repeated(c.subject()));
        put(digests, 7, Digests.sha256Utf8(SignedContent.normalizedTime(c.time())));
        put(digests, 8, Digests.sha256(c.data()));
        return Digests.sha256(digests);
    }

    public static byte[] extDigest(SignedContent c, List<String> names) {
        byte[] digests = new byte[32 * names.size()];
        for (int i = 0; i < names.size(); i++) {
            String name = names.get(i);
            String value = c.extensions().get(name);
            boolean unique = name.equals(ExtensionNames.CHAIN_PREV) || name.equals(ExtensionNames.RUN_PREV);
            put(digests, i, unique ? Digests.sha256Utf8(value) : Digests.sha256Repeated(value));
        }
        return Digests.sha256(digests);
    }

    private static void put(byte[] digests, int index, byte[] digest) {
        System.arraycopy(digest, 0, digests, 32 * index, 32);
    }

    /** The payload bytes: compact JSON with members in the order the extension lists them. */
    public byte[] toJson() {
        ObjectNode json = JsonNodeFactory.instance.objectNode();
        json.put("core", Base64.getEncoder().encodeToString(core));
        if (ext != null) {
            json.put("ext", Base64.getEncoder().encodeToString(ext));
            ArrayNode names = json.putArray("signedextattrs");
            signedExtAttrs.forEach(names::add);
        }
        return json.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    /** Parses a payload; unknown members are ignored, malformed ones rejected as the extension requires. */
    public static VerificationMaterial parse(byte[] payload) throws IOException {
        VerificationMaterial usual = usual(payload);
        return usual != null ? usual : parseTree(payload);
    }

    /**
     * The shape a signer writes (core, ext, signedextattrs: strings and an array of strings), read in one streaming
     * pass with the same strict parser; null for anything else, which {@link #parseTree} reads (or rejects) as before.
     */
    private static VerificationMaterial usual(byte[] payload) {
        String core = null;
        String ext = null;
        List<String> names = null;
        try (JsonParser p = Jcs.STRICT.createParser(payload)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken value = p.nextToken();
                if (name.equals("signedextattrs") && value == JsonToken.START_ARRAY && names == null) {
                    names = new ArrayList<>(8);
                    while (p.nextToken() == JsonToken.VALUE_STRING) {
                        names.add(p.getText());
                    }
                    if (p.currentToken() != JsonToken.END_ARRAY) {
                        return null;
                    }
                } else if (value != JsonToken.VALUE_STRING) {
                    return null;
                } else if (name.equals("core") && core == null) {
                    core = p.getText();
                } else if (name.equals("ext") && ext == null) {
                    ext = p.getText();
                } else {
                    return null;
                }
            }
            if (p.currentToken() != JsonToken.END_OBJECT || p.nextToken() != null || core == null
                    || (ext == null) != (names == null)) {
                return null;
            }
            byte[] coreDigest = digest(core);
            byte[] extDigest = ext == null ? null : digest(ext);
            if (coreDigest == null || (ext != null && extDigest == null)) {
                return null;
            }
            return new VerificationMaterial(coreDigest, extDigest, names == null ? List.of() : names);
        } catch (IOException | IllegalArgumentException unusual) {
            return null;
        }
    }

    /** A Base64 32-byte digest, or null. */
    private static byte[] digest(String text) {
        byte[] digest = Digests.decodeBase64(text);
        return digest.length == 32 ? digest : null;
    }

    /** The general reading (a tree), for what {@link #usual} leaves; package-private so tests compare both. */
    static VerificationMaterial parseTree(byte[] payload) throws IOException {
        JsonNode json = Jcs.parse(payload);
        byte[] core = digestField(json, "core");
        if (core == null) {
            throw new IOException("verification material has no core digest");
        }
        byte[] ext = digestField(json, "ext");
        JsonNode names = json.get("signedextattrs");
        List<String> list = new ArrayList<>();
        if (names != null) {
            if (!names.isArray()) {
                throw new IOException("signedextattrs is not an array");
            }
            for (JsonNode name : names) {
                if (!name.isTextual()) {
                    throw new IOException("signedextattrs holds a non-string");
                }
                list.add(name.textValue());
            }
        }
        if ((ext == null) != (names == null)) {
            throw new IOException("ext and signedextattrs must be present together");
        }
        try {
            return new VerificationMaterial(core, ext, list);
        } catch (IllegalArgumentException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    private static byte[] digestField(JsonNode json, String name) throws IOException {
        JsonNode value = json.get(name);
        if (value == null) {
            return null;
        }
        byte[] digest;
        try {
            digest = value.isTextual() ? Digests.decodeBase64(value.textValue()) : null;
        } catch (IllegalArgumentException e) {
            digest = null;
        }
        if (digest == null || digest.length != 32) {
            throw new IOException(name + " is not a Base64 32-byte digest");
        }
        return digest;
    }

    private static void requireValidNames(List<String> names) {
        Set<String> seen = new HashSet<>();
        for (String name : names) {
            if (FORBIDDEN.contains(name)) {
                throw new IllegalArgumentException("signedextattrs may not name '" + name + "'");
            }
            if (!seen.add(name)) {
                throw new IllegalArgumentException("signedextattrs names '" + name + "' twice");
            }
        }
    }

}
