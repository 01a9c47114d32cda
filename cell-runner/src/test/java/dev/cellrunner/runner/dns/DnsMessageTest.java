package dev.cellrunner.runner.dns;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class DnsMessageTest {
    @Test
    void aMessageReadsBackAsWritten() {
        DnsMessage.Name name = DnsMessage.Name.of("Www.Example.Test.");
        DnsMessage.Name target = DnsMessage.Name.of("edge.cdn.test");
        DnsMessage message = new DnsMessage(0x1234, DnsMessage.QR | DnsMessage.RD,
                List.of(new DnsMessage.Question(name, DnsMessage.TYPE_A, DnsMessage.CLASS_IN)),
                List.of(DnsMessage.Record.cname(name, 30, target),
                        DnsMessage.Record.address(target, 60, new byte[] {(byte) 198, 51, 100, 10})),
                List.of(), List.of(DnsMessage.opt(1232, 0, new byte[0])));

        byte[] bytes = message.encode();
        DnsMessage read = DnsMessage.parse(bytes, bytes.length);

        assertThat(read.id()).isEqualTo(0x1234);
        assertThat(read.questions().get(0).name().text()).isEqualTo("Www.Example.Test");
        assertThat(read.answers().get(0).target().text()).isEqualTo("edge.cdn.test");
        assertThat(read.answers().get(1).data()).containsExactly(198, 51, 100, 10);
        assertThat(read.answers().get(1).ttl()).isEqualTo(60);
        assertThat(read.opt()).isPresent();
        assertThat(read.opt().get().rclass()).isEqualTo(1232);
        assertThat(read.encode()).isEqualTo(bytes);
    }

    @Test
    void compressedNamesAreFollowedAndLoopsRefused() {
        byte[] header = {0, 1, (byte) 0x81, (byte) 0x80, 0, 1, 0, 1, 0, 0, 0, 0};
        byte[] question = {3, 'w', 'w', 'w', 4, 't', 'e', 's', 't', 0, 0, 1, 0, 1};
        byte[] answer = {(byte) 0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 5, 0, 4, (byte) 203, 0, 113, 7};
        byte[] bytes = concat(header, question, answer);
        assertThat(DnsMessage.parse(bytes, bytes.length).answers().get(0).name().text()).isEqualTo("www.test");

        byte[] loop = concat(header, question, new byte[] {(byte) 0xc0, 26, 0, 1, 0, 1, 0, 0, 0, 5, 0, 4, 1, 2, 3, 4});
        assertThatIllegalArgumentException().isThrownBy(() -> DnsMessage.parse(loop, loop.length));
        assertThatIllegalArgumentException().isThrownBy(() -> DnsMessage.parse(bytes, bytes.length - 3))
                .withMessageContaining("cut short");
    }

    @Test
    void aDotInsideALabelNeverReadsAsAPlainName() {
        byte[] bytes = concat(new byte[] {0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0},
                new byte[] {5, 'a', '.', 'e', 'v', 'l', 4, 't', 'e', 's', 't', 0, 0, 1, 0, 1});
        assertThat(DnsMessage.parse(bytes, bytes.length).questions().get(0).name().text()).isEqualTo("a\\.evl.test");
    }

    static byte[] concat(byte[]... parts) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }
}
