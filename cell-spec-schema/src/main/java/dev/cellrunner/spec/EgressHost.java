package dev.cellrunner.spec;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.IDN;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The {@code host} of an egress rule, parsed strictly: an IP prefix (a literal is a full-length
 * prefix), a DNS name, or a wildcard {@code *.example.com} (every name below example.com at any depth,
 * not example.com itself). IPv4-mapped IPv6 ({@code ::ffff:a.b.c.d}) becomes the IPv4 prefix it
 * denotes, so it opens exactly the IPv4 path and nothing wider.
 *
 * <p>Names are compared as DNS puts them on the wire: lowercase, no trailing dot, internationalised
 * labels in their ASCII ({@code xn--}) form. A name written in Unicode is converted with
 * {@link IDN#toASCII} (IDNA2003); the four characters where IDNA2003 and IDNA2008 (which libidn2, and
 * so glibc and curl, apply) give different names (ß, ς, ZWJ, ZWNJ) are refused, as are characters
 * IDNA2003 does not know: the document then states the {@code xn--} form it means.
 */
public sealed interface EgressHost {

    /** An address block; {@code address} has no host bits set beyond {@code prefixLength}. */
    record IpPrefix(InetAddress address, int prefixLength) implements EgressHost {
        public boolean isIpv4() {
            return address instanceof Inet4Address;
        }

        /** True if the two blocks share at least one address. */
        public boolean overlaps(IpPrefix other) {
            if (isIpv4() != other.isIpv4()) {
                return false;
            }
            int common = Math.min(prefixLength, other.prefixLength);
            return java.util.Arrays.equals(mask(address.getAddress(), common), mask(other.address.getAddress(), common));
        }

        public boolean isFullLength() {
            return prefixLength == (isIpv4() ? 32 : 128);
        }

        /** Canonical text: "198.51.100.10", "2001:db8::/64". */
        @Override
        public String toString() {
            String text = address.getHostAddress();
            if (address instanceof Inet6Address) {
                text = Ipv6Text.compress(address.getAddress());
            }
            return isFullLength() ? text : text + "/" + prefixLength;
        }
    }

    /** A declared name or wildcard, matched against names as {@link #wireName} normalises them. */
    sealed interface DnsPattern extends EgressHost {
        boolean matches(String wireName);
    }

    /** A DNS name, lowercased, without a trailing dot, internationalised labels in xn-- form. */
    record DnsName(String name) implements DnsPattern {
        @Override
        public boolean matches(String wireName) {
            return name.equals(wireName);
        }

        @Override
        public String toString() {
            return name;
        }
    }

    /** {@code *.domain}: every name below {@code domain}, at any depth; not {@code domain} itself. */
    record DnsWildcard(String domain) implements DnsPattern {
        @Override
        public boolean matches(String wireName) {
            return wireName.length() > domain.length() + 1 && wireName.endsWith(domain)
                    && wireName.charAt(wireName.length() - domain.length() - 1) == '.';
        }

        @Override
        public String toString() {
            return "*." + domain;
        }
    }

    /**
     * A name from a DNS message in the form declared names take: ASCII letters lowercased, one trailing
     * dot removed. Other bytes are kept, so a name that is not plain ASCII never equals a declared one.
     */
    static String wireName(String name) {
        String trimmed = name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
        StringBuilder lower = new StringBuilder(trimmed.length());
        for (int i = 0; i < trimmed.length(); i++) {
            char c = trimmed.charAt(i);
            lower.append(c >= 'A' && c <= 'Z' ? (char) (c + 32) : c);
        }
        return lower.toString();
    }

    Pattern HOST_CHARACTERS = Pattern.compile("[A-Za-z0-9.:/-]+");
    /** IDNA2003 and IDNA2008 map these differently (deviation characters of UTS #46). */
    Pattern IDNA_DEVIATIONS = Pattern.compile("[\\u00df\\u03c2\\u200c\\u200d]");
    Pattern IPV4 = Pattern.compile("(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}");
    /** Starts like an IPv6 literal: InetAddress then parses it without ever asking DNS. */
    Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:][0-9A-Fa-f:.]*");
    /** Loopback and unspecified addresses: connecting to them never leaves the cell's own namespace. */
    List<IpPrefix> LOCAL = List.of(
            new IpPrefix(toAddress(new byte[4]), 32),
            new IpPrefix(toAddress(new byte[] {127, 0, 0, 0}), 8),
            new IpPrefix(toAddress(new byte[16]), 128),
            new IpPrefix(toAddress(new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}), 128));
    Pattern LABEL = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");

    /** Parses {@code text}; the exception message says exactly what is wrong with it. */
    static EgressHost parse(String text) {
        if (text == null || text.isEmpty()) {
            throw new IllegalArgumentException("host is empty");
        }
        if (text.contains("://")) {
            throw new IllegalArgumentException("'" + text + "' is a URL; write only the host (an IP address, CIDR prefix or DNS name)");
        }
        if (text.startsWith("*.")) {
            return wildcard(text);
        }
        if (text.contains("*")) {
            throw new IllegalArgumentException("'" + text + "': '*' may only be the whole first label, as in *.example.com");
        }
        if (text.chars().anyMatch(c -> c > 0x7f)) {
            return dnsName(text, idnaToAscii(text));
        }
        if (!HOST_CHARACTERS.matcher(text).matches()) {
            throw new IllegalArgumentException("'" + text + "' is not an IP address, CIDR prefix or DNS name"
                    + " (only letters, digits and . : / - may appear)");
        }
        String address = text;
        Integer prefix = null;
        int slash = text.indexOf('/');
        if (slash >= 0) {
            address = text.substring(0, slash);
            String bits = text.substring(slash + 1);
            if (!bits.matches("0|[1-9][0-9]{0,2}")) {
                throw new IllegalArgumentException("'" + text + "': prefix length '" + bits + "' is not a number");
            }
            prefix = Integer.parseInt(bits);
        }
        if (IPV4.matcher(address).matches()) {
            return prefix(text, literal(address).getAddress(), prefix);
        }
        if (address.contains(":")) {
            if (!IPV6.matcher(address).matches()) {
                throw new IllegalArgumentException("'" + text + "' is not an IPv6 address");
            }
            return prefix(text, sixteenBytes(literal(address)), prefix);
        }
        if (prefix != null) {
            throw new IllegalArgumentException("'" + text + "': a prefix length needs an IP address, not a name");
        }
        return dnsName(text, text);
    }

    private static DnsWildcard wildcard(String text) {
        String rest = text.substring(2);
        if (rest.chars().anyMatch(c -> c > 0x7f)) {
            rest = idnaToAscii(rest);
        } else if (rest.contains("*") || !HOST_CHARACTERS.matcher(rest).matches() || rest.contains(":")
                || rest.contains("/")) {
            throw new IllegalArgumentException("'" + text + "' is not a wildcard name: write *. and a DNS name, as in"
                    + " *.example.com ('*' only as the whole first label)");
        }
        DnsName domain = dnsName(text, rest);
        if (!domain.name().contains(".")) {
            throw new IllegalArgumentException("'" + text + "' would allow every name under the top-level domain '"
                    + domain.name() + "'; declare a domain of at least two labels");
        }
        return new DnsWildcard(domain.name());
    }

    /** Unicode labels to xn-- form (IDNA2003, STD3 rules); see the class comment for what is refused. */
    private static String idnaToAscii(String text) {
        if (IDNA_DEVIATIONS.matcher(text).find()) {
            throw new IllegalArgumentException("'" + text + "' contains \u00df, \u03c2, ZWJ or ZWNJ, which IDNA2003 and"
                    + " IDNA2008 convert differently; write the xn-- form you mean");
        }
        try {
            return IDN.toASCII(text, IDN.USE_STD3_ASCII_RULES);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + text + "' is not a valid internationalised name (" + e.getMessage()
                    + "); write its xn-- form");
        }
    }

    private static InetAddress literal(String address) {
        try {
            // Only ever called with text that is syntactically an IP literal: no DNS lookup happens.
            return InetAddress.getByName(address);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("'" + address + "' is not an IP address");
        }
    }

    /** Java turns "::ffff:a.b.c.d" into an Inet4Address; put the mapped form back to judge its prefix. */
    private static byte[] sixteenBytes(InetAddress address) {
        byte[] bytes = address.getAddress();
        if (bytes.length == 16) {
            return bytes;
        }
        byte[] mapped = new byte[16];
        mapped[10] = (byte) 0xff;
        mapped[11] = (byte) 0xff;
        System.arraycopy(bytes, 0, mapped, 12, 4);
        return mapped;
    }

    private static IpPrefix prefix(String text, byte[] bytes, Integer requested) {
        int max = bytes.length * 8;
        int length = requested == null ? max : requested;
        if (length > max) {
            throw new IllegalArgumentException("'" + text + "': prefix length " + length + " exceeds " + max);
        }
        byte[] masked = mask(bytes, length);
        if (!java.util.Arrays.equals(bytes, masked)) {
            throw new IllegalArgumentException("'" + text + "' has host bits set beyond /" + length
                    + "; did you mean " + new IpPrefix(toAddress(masked), length) + "?");
        }
        IpPrefix result = new IpPrefix(toAddress(bytes), length);
        if (bytes.length == 16 && isIpv4Mapped(bytes)) {
            // length >= 96 here: a shorter prefix of ::ffff:x has host bits set and was refused above.
            result = new IpPrefix(toAddress(java.util.Arrays.copyOfRange(bytes, 12, 16)), length - 96);
        }
        // Checked after unmapping, so ::ffff:0:0/96 is caught as the IPv4 /0 it is.
        if (result.prefixLength() == 0) {
            throw new IllegalArgumentException("'" + text + "' matches every address; declare the destinations");
        }
        for (IpPrefix local : LOCAL) {
            if (result.overlaps(local)) {
                throw new IllegalArgumentException("'" + text + "' " + (text.equals(result.toString()) ? "" : "(" + result + ") ")
                        + "includes addresses of " + local + " (loopback or unspecified): inside the cell that is the cell itself,"
                        + " never the host; declare a routable destination");
            }
        }
        return result;
    }

    private static boolean isIpv4Mapped(byte[] bytes) {
        for (int i = 0; i < 10; i++) {
            if (bytes[i] != 0) {
                return false;
            }
        }
        return (bytes[10] & 0xff) == 0xff && (bytes[11] & 0xff) == 0xff;
    }

    private static byte[] mask(byte[] bytes, int length) {
        byte[] out = bytes.clone();
        for (int i = 0; i < out.length; i++) {
            int keep = Math.max(0, Math.min(8, length - i * 8));
            out[i] = (byte) (out[i] & (0xff << (8 - keep)));
        }
        return out;
    }

    private static InetAddress toAddress(byte[] bytes) {
        try {
            return InetAddress.getByAddress(bytes);
        } catch (UnknownHostException e) {
            throw new IllegalStateException("4 or 16 bytes are an address", e);
        }
    }

    /** {@code ascii}: {@code text} itself, or its IDNA conversion; messages quote what the user wrote. */
    private static DnsName dnsName(String text, String ascii) {
        String name = ascii.toLowerCase(Locale.ROOT);
        if (name.endsWith(".")) {
            name = name.substring(0, name.length() - 1);
        }
        if (name.isEmpty() || name.length() > 253) {
            throw new IllegalArgumentException("'" + text + "' is not a valid host name (1 to 253 characters)");
        }
        for (String label : name.split("\\.", -1)) {
            if (!LABEL.matcher(label).matches()) {
                throw new IllegalArgumentException("'" + text + "' is not a valid host name: label '" + label
                        + "' must be 1-63 letters, digits or inner hyphens");
            }
        }
        if (name.equals("localhost") || name.endsWith(".localhost")) {
            throw new IllegalArgumentException("'" + text + "' is loopback (RFC 6761): inside the cell that is the cell itself,"
                    + " never the host; declare a routable destination");
        }
        if (name.matches("[0-9.]+")) {
            throw new IllegalArgumentException("'" + text + "' is neither a dotted-quad IPv4 address nor a host name");
        }
        return new DnsName(name);
    }
}
