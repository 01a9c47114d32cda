package dev.cellrunner.spec;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The {@code host} of an egress rule, parsed strictly: an IP prefix (a literal is a full-length
 * prefix) or a DNS name to resolve at start. IPv4-mapped IPv6 ({@code ::ffff:a.b.c.d}) becomes the
 * IPv4 prefix it denotes, so it opens exactly the IPv4 path and nothing wider.
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

    /** A DNS name, lowercased, without a trailing dot. */
    record DnsName(String name) implements EgressHost {
        @Override
        public String toString() {
            return name;
        }
    }

    Pattern HOST_CHARACTERS = Pattern.compile("[A-Za-z0-9.:/-]+");
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
        return dnsName(text);
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

    private static DnsName dnsName(String text) {
        String name = text.toLowerCase(Locale.ROOT);
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
