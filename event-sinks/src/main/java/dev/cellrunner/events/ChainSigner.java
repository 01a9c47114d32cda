package dev.cellrunner.events;

import io.cloudevents.CloudEvent;
import io.cloudevents.core.builder.CloudEventBuilder;

import java.util.HexFormat;

/**
 * Signs the events of one run with DSSE (CloudEvents Verifiability extension) and chains them:
 * {@code chainseq} counts 0, 1, 2, ...; {@code chainprev} is the hex SHA-256 of the previous event's
 * signed payload (64 zeros for the first). Dropping, reordering or duplicating an event breaks the chain.
 */
public final class ChainSigner implements EventSigner {
    public static final String NO_PREVIOUS = "0".repeat(64);

    private final SigningKey key;
    private int nextSeq;
    private String previous = NO_PREVIOUS;

    public ChainSigner(SigningKey key) {
        this.key = key;
    }

    @Override
    public SigningKey key() {
        return key;
    }

    @Override
    public CloudEvent sign(CloudEvent event) {
        return sign(event, null);
    }

    @Override
    public synchronized CloudEvent sign(CloudEvent event, String runPrev) {
        if (nextSeq == Integer.MAX_VALUE) {
            throw new IllegalStateException("chainseq is a 32-bit integer; this run has no room for more events");
        }
        CloudEventBuilder builder = CloudEventBuilder.v1(event)
                .withExtension(ExtensionNames.CHAIN_SEQ, nextSeq)
                .withExtension(ExtensionNames.CHAIN_PREV, previous);
        if (runPrev != null) {
            builder.withExtension(ExtensionNames.RUN_PREV, runPrev);
        }
        CloudEvent chained = builder.build();
        byte[] payload = VerificationMaterial.of(SignedContent.of(chained),
                runPrev == null ? ExtensionNames.SIGNED : ExtensionNames.SIGNED_LINKED).toJson();
        byte[] envelope = Dsse.sign(key.key(), VerificationMaterial.PAYLOAD_TYPE, payload);
        nextSeq++;
        previous = HexFormat.of().formatHex(Digests.sha256(payload));
        return CloudEventBuilder.v1(chained).withExtension(ExtensionNames.DSSE_MATERIAL, envelope).build();
    }
}
