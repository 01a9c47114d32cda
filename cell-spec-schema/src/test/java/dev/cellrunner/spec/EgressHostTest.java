package dev.cellrunner.spec;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class EgressHostTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            "198.51.100.10 | 198.51.100.10 | true",
            "198.51.100.0/24 | 198.51.100.0/24 | true",
            "203.0.113.7/32 | 203.0.113.7 | true",
            "128.0.0.0/1 | 128.0.0.0/1 | true",
            "2001:db8::/64 | 2001:db8::/64 | false",
            "2001:DB8:0:0:0:0:0:1 | 2001:db8::1 | false",
            "2001:db8:0:0:1:0:0:1 | 2001:db8::1:0:0:1 | false",
            "::ffff:198.51.100.10 | 198.51.100.10 | true",
            "::FFFF:198.51.100.0/120 | 198.51.100.0/24 | true",
            "::ffff:c633:640a | 198.51.100.10 | true",
            "8000::/1 | 8000::/1 | false",
    })
    void ipPrefixesAreCanonical(String text, String canonical, boolean ipv4) {
        EgressHost host = EgressHost.parse(text);

        assertThat(host).isInstanceOf(EgressHost.IpPrefix.class).hasToString(canonical);
        assertThat(((EgressHost.IpPrefix) host).isIpv4()).isEqualTo(ipv4);
        assertThat(EgressHost.parse(canonical)).as("canonical text parses to itself").isEqualTo(host);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            "registry.example.org | registry.example.org",
            "Registry.Example.ORG. | registry.example.org",
            "xn--bcher-kva.example | xn--bcher-kva.example",
            "a-b.c0 | a-b.c0",
            "1e100.net | 1e100.net",
    })
    void dnsNamesAreLowercasedWithoutTrailingDot(String text, String canonical) {
        assertThat(EgressHost.parse(text)).isEqualTo(new EgressHost.DnsName(canonical));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            "B\u00fccher.example | xn--bcher-kva.example",
            "\u4f8b\u3048.\u30c6\u30b9\u30c8. | xn--r8jz45g.xn--zckzah",
            "xn--BCHER-kva.Example | xn--bcher-kva.example",
    })
    void internationalisedNamesAreComparedInTheirAsciiForm(String text, String ascii) {
        assertThat(EgressHost.parse(text)).isEqualTo(new EgressHost.DnsName(ascii));
    }

    @ParameterizedTest(name = "{0} matches {1}: {2}")
    @CsvSource(delimiter = '|', value = {
            "*.example.com | a.example.com | true",
            "*.example.com | x.y.z.example.com | true",
            "*.Example.COM. | A.EXAMPLE.com. | true",
            "*.example.com | example.com | false",
            "*.example.com | badexample.com | false",
            "*.example.com | a.example.com.evil | false",
            "*.example.com | .example.com | false",
            "*.b\u00fccher.example | www.xn--bcher-kva.example | true",
            "api.example.com | API.Example.Com. | true",
            "api.example.com | a.api.example.com | false",
    })
    void wildcardsMatchEveryNameBelowTheirDomainAndNotTheDomainItself(String declared, String queried, boolean matches) {
        EgressHost host = EgressHost.parse(declared);

        assertThat(host).isInstanceOf(EgressHost.DnsPattern.class);
        assertThat(((EgressHost.DnsPattern) host).matches(EgressHost.wireName(queried))).isEqualTo(matches);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "*.Example.COM. | *.example.com",
            "*.b\u00fccher.example | *.xn--bcher-kva.example",
    })
    void wildcardsAreCanonical(String text, String canonical) {
        assertThat(EgressHost.parse(text)).hasToString(canonical).isEqualTo(EgressHost.parse(canonical));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
            "a.*.example.com | '*' may only be the whole first label",
            "*example.com | '*' may only be the whole first label",
            "* | '*' may only be the whole first label",
            "**.example.com | '*' may only be the whole first label",
            "*.*.example.com | is not a wildcard name",
            "*.com | every name under the top-level domain 'com'",
            "*.localhost | is loopback",
            "*.198.51.100.10 | is neither a dotted-quad IPv4 address nor a host name",
            "*.198.51.100.0/24 | is not a wildcard name",
            "*.exa_mple.com | is not a wildcard name",
            "fa\u00df.de | write the xn-- form you mean",
            "*.fa\u00df.de | write the xn-- form you mean",
            "a\u200db.example | write the xn-- form you mean",
            "bad\u2028name.example | write its xn-- form",
    })
    void badWildcardsAndInternationalNamesAreRefusedWithTheReason(String text, String reason) {
        assertThatIllegalArgumentException().isThrownBy(() -> EgressHost.parse(text)).withMessageContaining(reason);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
            "0.0.0.0/0 | matches every address",
            "::/0 | matches every address",
            "::ffff:0:0/96 | matches every address",
            "::ffff:0:0/95 | has host bits set beyond /95",
            "127.0.0.1/8 | has host bits set beyond /8; did you mean 127.0.0.0/8?",
            "198.51.100.10/24 | did you mean 198.51.100.0/24?",
            "127.0.0.0/8 | includes addresses of 127.0.0.0/8 (loopback or unspecified)",
            "127.0.0.1 | includes addresses of 127.0.0.0/8",
            "0.0.0.0 | includes addresses of 0.0.0.0",
            "0.0.0.0/1 | includes addresses of 0.0.0.0",
            "64.0.0.0/2 | includes addresses of 127.0.0.0/8",
            "::1 | includes addresses of ::1",
            ":: | includes addresses of ::",
            "::/1 | includes addresses of ::",
            "::ffff:127.0.0.1 | '::ffff:127.0.0.1' (127.0.0.1) includes addresses of 127.0.0.0/8",
            "::ffff:7f00:1 | (127.0.0.1) includes addresses of 127.0.0.0/8",
            "localhost | is loopback",
            "api.localhost. | is loopback",
            "127.1 | is neither a dotted-quad IPv4 address nor a host name",
            "0127.0.0.1 | is neither a dotted-quad IPv4 address nor a host name",
            "198.51.100.010 | is neither a dotted-quad IPv4 address nor a host name",
            "256.1.1.1 | is neither a dotted-quad IPv4 address nor a host name",
            "3325256714 | is neither a dotted-quad IPv4 address nor a host name",
            "fe80::1%eth0 | only letters, digits and . : / - may appear",
            "[2001:db8::1] | only letters, digits and . : / - may appear",
            "exa mple.org | only letters, digits and . : / - may appear",
            "https://198.51.100.10/ | is a URL",
            ".:1 | is not an IPv6 address",
            "2001:db8::g | is not an IPv6 address",
            "198.51.100.10:443 | is not an IP address",
            "1:2:3:4:5:6:7:8:9 | is not an IP address",
            "198.51.100.10/33 | prefix length 33 exceeds 32",
            "2001:db8::/129 | prefix length 129 exceeds 128",
            "198.51.100.0/024 | prefix length '024' is not a number",
            "198.51.100.0/ | prefix length '' is not a number",
            "example.org/24 | a prefix length needs an IP address",
            "-a.example.org | label '-a' must be 1-63 letters, digits or inner hyphens",
            "a-.example.org | label 'a-'",
            "a..example.org | label ''",
            "under_score.org | only letters, digits and . : / - may appear",
            "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.org | must be 1-63 letters",
            ". | is not a valid host name (1 to 253 characters)",
    })
    void hostileHostsAreRefusedWithTheReason(String text, String reason) {
        assertThatIllegalArgumentException().isThrownBy(() -> EgressHost.parse(text)).withMessageContaining(reason);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"254", "300"})
    void namesLongerThan253CharactersAreRefused(int length) {
        String name = ("a".repeat(62) + ".").repeat(5).substring(0, length - 1) + "b";

        assertThatIllegalArgumentException().isThrownBy(() -> EgressHost.parse(name))
                .withMessageContaining("1 to 253 characters");
    }

    @ParameterizedTest(name = "{0} overlaps {1}: {2}")
    @CsvSource({
            "198.51.100.0/24, 198.51.100.128/25, true",
            "198.51.100.128/25, 198.51.100.0/24, true",
            "198.51.100.0/25, 198.51.100.128/25, false",
            "203.0.113.0/24, 2001:db8::/32, false",
            "2001:db8::/32, 2001:db8:1::/48, true",
    })
    void overlapIsSymmetricAndPerFamily(String a, String b, boolean overlaps) {
        EgressHost.IpPrefix left = (EgressHost.IpPrefix) EgressHost.parse(a);
        EgressHost.IpPrefix right = (EgressHost.IpPrefix) EgressHost.parse(b);

        assertThat(left.overlaps(right)).isEqualTo(overlaps);
        assertThat(right.overlaps(left)).isEqualTo(overlaps);
    }
}
