package dev.cellrunner.runner.confine;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One landlock audit record as the kernel sends it to audit listeners, parsed (pure):
 * <pre>
 *   audit(1796334592.860:1): domain=1c8179244 blockers=fs.read_file path="/etc/hostname" dev="vda" ino=612
 *   audit(1796334592.860:1): domain=1c8179244 status=allocated mode=enforcing pid=6188 uid=0 exe="..." comm="..."
 * </pre>
 * Values the kernel does not trust (paths, comm) come quoted, or as hexadecimal when they hold spaces,
 * quotes or control characters; both are decoded.
 *
 * @param type   AUDIT_LANDLOCK_ACCESS (a denial) or AUDIT_LANDLOCK_DOMAIN (a domain's allocation or end)
 * @param fields the record's fields in order, values decoded
 */
public record LandlockAuditRecord(int type, String domain, Map<String, String> fields) {
    public static final int ACCESS = 1423;
    public static final int DOMAIN = 1424;

    /** The record, or empty when it is not a landlock record or carries no domain. */
    public static Optional<LandlockAuditRecord> parse(int type, String text) {
        if (type != ACCESS && type != DOMAIN) {
            return Optional.empty();
        }
        int body = text.indexOf("): ");
        Map<String, String> fields = fields(body < 0 ? text : text.substring(body + 3));
        String domain = fields.get("domain");
        return domain == null ? Optional.empty() : Optional.of(new LandlockAuditRecord(type, domain, fields));
    }

    /** The rights a denial names ("fs.read_file,fs.read_dir" gives both). */
    public List<String> blockers() {
        String blockers = fields.getOrDefault("blockers", "");
        return blockers.isEmpty() ? List.of() : List.of(blockers.split(","));
    }

    /** A domain record saying it was allocated: the process (thread group) and thread name that made it. */
    public boolean allocated() {
        return type == DOMAIN && "allocated".equals(fields.get("status"));
    }

    private static Map<String, String> fields(String body) {
        Map<String, String> fields = new LinkedHashMap<>();
        int at = 0;
        while (at < body.length()) {
            while (at < body.length() && body.charAt(at) == ' ') {
                at++;
            }
            int equals = body.indexOf('=', at);
            if (equals < 0) {
                break;
            }
            String name = body.substring(at, equals);
            int start = equals + 1;
            String value;
            if (start < body.length() && body.charAt(start) == '"') {
                int end = body.indexOf('"', start + 1);
                end = end < 0 ? body.length() : end;
                value = body.substring(start + 1, end);
                at = end + 1;
            } else {
                int end = body.indexOf(' ', start);
                end = end < 0 ? body.length() : end;
                value = unhex(name, body.substring(start, end));
                at = end;
            }
            fields.put(name, value);
        }
        return fields;
    }

    /** An untrusted string the kernel wrote as hexadecimal (only path, comm and exe are ever so). */
    private static String unhex(String name, String value) {
        if (!List.of("path", "comm", "exe", "name").contains(name) || value.isEmpty() || value.length() % 2 != 0
                || !value.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
            return value;
        }
        return new String(HexFormat.of().parseHex(value), StandardCharsets.UTF_8);
    }
}
