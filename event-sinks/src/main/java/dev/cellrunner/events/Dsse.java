package dev.cellrunner.events;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/** DSSE v1.0.2: the pre-authentication encoding and the JSON envelope. */
public final class Dsse {
    private Dsse() {
    }

    /** PAE(type, body) = "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body, lengths in ASCII decimal bytes. */
    public static byte[] pae(String payloadType, byte[] body) {
        byte[] type = payloadType.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream(type.length + body.length + 32);
        out.writeBytes(("DSSEv1 " + type.length + " ").getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(type);
        out.writeBytes((" " + body.length + " ").getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(body);
        return out.toByteArray();
    }

    /** The envelope's UTF-8 JSON with one Ed25519 signature over PAE(payloadType, payload). */
    public static byte[] sign(Ed25519Key key, String payloadType, byte[] payload) {
        byte[] sig = key.sign(pae(payloadType, payload));
        ObjectNode envelope = JsonNodeFactory.instance.objectNode();
        envelope.put("payloadType", payloadType);
        envelope.put("payload", Base64.getEncoder().encodeToString(payload));
        ObjectNode signature = envelope.putArray("signatures").addObject();
        signature.put("keyid", key.keyId());
        signature.put("sig", Base64.getEncoder().encodeToString(sig));
        return envelope.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** A parsed envelope: what was signed, and by which key ids. */
    public record Envelope(String payloadType, byte[] payload, List<Signature> signatures) {
        public static Envelope parse(byte[] json) throws IOException {
            Envelope usual = usual(json);
            return usual != null ? usual : parseTree(json);
        }

        /**
         * The shape a signer writes (payloadType, payload, signatures of keyid and sig, all strings), read in one
         * streaming pass with the same strict parser; null for anything else, which {@link #parseTree} reads (and
         * rejects) as before, so both ways accept and refuse exactly the same envelopes.
         */
        private static Envelope usual(byte[] json) throws IOException {
            String type = null;
            String payload = null;
            List<Signature> list = null;
            try (JsonParser p = Jcs.STRICT.createParser(json)) {
                if (p.nextToken() != JsonToken.START_OBJECT) {
                    return null;
                }
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String name = p.currentName();
                    JsonToken value = p.nextToken();
                    if (name.equals("signatures") && value == JsonToken.START_ARRAY && list == null) {
                        list = new ArrayList<>(1);
                        while (p.nextToken() == JsonToken.START_OBJECT) {
                            String keyid = null;
                            String sig = null;
                            while (p.nextToken() == JsonToken.FIELD_NAME) {
                                String member = p.currentName();
                                if (p.nextToken() != JsonToken.VALUE_STRING) {
                                    return null;
                                }
                                if (member.equals("keyid") && keyid == null) {
                                    keyid = p.getText();
                                } else if (member.equals("sig") && sig == null) {
                                    sig = p.getText();
                                } else {
                                    return null;
                                }
                            }
                            if (keyid == null || sig == null) {
                                return null;
                            }
                            list.add(new Signature(keyid, decode(sig, "sig")));
                        }
                        if (p.currentToken() != JsonToken.END_ARRAY || list.isEmpty()) {
                            return null;
                        }
                    } else if (value != JsonToken.VALUE_STRING) {
                        return null;
                    } else if (name.equals("payloadType") && type == null) {
                        type = p.getText();
                    } else if (name.equals("payload") && payload == null) {
                        payload = p.getText();
                    } else {
                        return null;
                    }
                }
                if (p.currentToken() != JsonToken.END_OBJECT || p.nextToken() != null) {
                    return null;
                }
            } catch (IOException malformed) {
                return null;
            }
            if (type == null || payload == null || list == null) {
                return null;
            }
            return new Envelope(type, decode(payload, "payload"), List.copyOf(list));
        }

        /** The general reading (a tree), for what {@link #usual} leaves; package-private so tests compare both. */
        static Envelope parseTree(byte[] json) throws IOException {
            JsonNode node = Jcs.parse(json);
            JsonNode type = node.get("payloadType");
            JsonNode payload = node.get("payload");
            JsonNode signatures = node.get("signatures");
            if (type == null || !type.isTextual() || payload == null || !payload.isTextual()
                    || signatures == null || !signatures.isArray() || signatures.isEmpty()) {
                throw new IOException("not a DSSE envelope (payloadType, payload, signatures)");
            }
            List<Signature> list = new ArrayList<>();
            for (JsonNode s : signatures) {
                JsonNode keyid = s.get("keyid");
                JsonNode sig = s.get("sig");
                if (sig == null || !sig.isTextual()) {
                    throw new IOException("a DSSE signature has no sig");
                }
                list.add(new Signature(keyid != null && keyid.isTextual() ? keyid.textValue() : "",
                        decode(sig.textValue(), "sig")));
            }
            return new Envelope(type.textValue(), decode(payload.textValue(), "payload"), List.copyOf(list));
        }

        /** The first signature made by one of the trusted keys that verifies, or null. */
        public Ed25519Key.PublicKey verifiedBy(List<Ed25519Key.PublicKey> trusted) {
            byte[] pae = pae(payloadType, payload);
            for (Signature signature : signatures) {
                for (Ed25519Key.PublicKey key : trusted) {
                    if (key.keyId().equals(signature.keyid()) && key.verify(pae, signature.sig())) {
                        return key;
                    }
                }
            }
            return null;
        }

        private static byte[] decode(String text, String field) throws IOException {
            try {
                return Digests.decodeBase64(text);
            } catch (IllegalArgumentException e) {
                throw new IOException("DSSE " + field + " is not Base64");
            }
        }
    }

    public record Signature(String keyid, byte[] sig) {
    }
}
