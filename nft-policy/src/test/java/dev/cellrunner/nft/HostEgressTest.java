package dev.cellrunner.nft;

import org.junit.jupiter.api.Test;

import java.net.Inet6Address;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static dev.cellrunner.nft.EgressPinningTest.HOST;
import static dev.cellrunner.nft.Fixtures.address;
import static dev.cellrunner.nft.Fixtures.prefix;
import static org.assertj.core.api.Assertions.assertThat;

class HostEgressTest {
    @ParameterizedTest(name = "{0} -> {1} {2}")
    @CsvSource({
            "127.0.0.1, loopback, 127.0.0.0/8",
            "0.0.0.0, unspecified, 0.0.0.0/8",
            "169.254.169.254, link-local, 169.254.0.0/16",
            "224.0.0.251, multicast, 224.0.0.0/4",
            "255.255.255.255, reserved, 240.0.0.0/4",
            "::1, loopback, ::1",
            "::, unspecified, ::",
            "fe80::1, link-local, fe80::/10",
            "ff02::1, multicast, ff00::/8",
            "192.168.7.20, host-address, 192.168.7.20",
            "192.168.7.255, host-address, 192.168.7.255",
            "2001:db8:77::20, host-address, 2001:db8:77::20",
            "198.18.0.1, uplink-pool, 198.18.0.0/16",
            "fdc3:11f0:5a7e:4::1, uplink-pool, fdc3:11f0:5a7e::/48",
            "::192.168.7.20, ipv4-compatible host-address, ::c0a8:714",
            "64:ff9b::169.254.169.254, nat64 link-local, 64:ff9b::a9fe:0/112",
            "64:ff9b::198.18.0.5, nat64 uplink-pool, 64:ff9b::c612:0/112",
            "2002:7f00:1::1, 6to4 loopback, 2002:7f00::/24",
            "2002:c0a8:714:1::1, 6to4 host-address, 2002:c0a8:714::/48"})
    void everyAddressThatLeadsToTheHostIsFoundWithItsRule(String destination, String rule, String range) {
        HostEgress.Finding finding = HostEgress.check(address(destination), HOST).orElseThrow();
        assertThat(finding.rule()).isEqualTo(rule);
        assertThat(finding.range().toString()).isEqualTo(range);
        assertThat(finding.whole()).isTrue();
        assertThat(finding.describe()).startsWith(range + " (" + rule + ": ").endsWith(")");
    }

    @ParameterizedTest
    @ValueSource(strings = {"198.51.100.10", "203.0.113.7", "2001:db8::10", "192.168.7.21", "198.19.0.1",
            "64:ff9b::198.51.100.10", "2002:c633:640a::1", "::ffff:203.0.113.9", "fdc3:11f0:5a7f::1", "8.8.8.8"})
    void otherDestinationsDoNotLeadToTheHost(String destination) {
        assertThat(HostEgress.check(address(destination), HOST)).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"192.168.0.0/16", "198.0.0.0/8", "2002::/16", "2000::/3", "64:ff9b::/96",
            "64:ff9b::c0a8:0/112", "2001:db8:77::/48"})
    void aWiderPrefixOnlyIncludesTheHost(String destination) {
        HostEgress.Finding finding = HostEgress.check(prefix(destination), HOST).orElseThrow();
        assertThat(finding.whole()).as(finding.describe()).isFalse();
    }

    @Test
    void ipv4MappedAddressesAreJudgedByTheAddressTheyCarry() throws Exception {
        // built from bytes: InetAddress.getByName would hand back the plain IPv4 address
        byte[] mapped = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -1, -1, (byte) 192, (byte) 168, 7, 20};
        HostEgress.Finding finding = HostEgress.check(Inet6Address.getByAddress(null, mapped, -1), HOST).orElseThrow();
        assertThat(finding.rule()).isEqualTo("ipv4-mapped host-address");
        assertThat(finding.range().toString()).isEqualTo("::ffff:c0a8:714");
        mapped[12] = 127;
        assertThat(HostEgress.check(Inet6Address.getByAddress(null, mapped, -1), HOST).orElseThrow().rule())
                .isEqualTo("ipv4-mapped loopback");
    }

    @Test
    void theSameAnswerIsAllowedOnAHostWithoutThatAddress() {
        assertThat(HostEgress.check(address("192.168.7.20"), HostAddresses.NONE)).isEmpty();
        assertThat(HostEgress.check(address("127.0.0.1"), HostAddresses.NONE)).isPresent();
    }

    @Test
    void theHostFilterNeverForwardsToTheFixedRangesOrThePools() {
        assertThat(HostEgress.neverForwarded(HOST)).extracting(f -> f.range().toString()).containsExactly(
                "0.0.0.0/8", "127.0.0.0/8", "169.254.0.0/16", "224.0.0.0/4", "240.0.0.0/4", "::", "::1", "fe80::/10",
                "ff00::/8", "198.18.0.0/16", "fdc3:11f0:5a7e::/48");
    }
}
