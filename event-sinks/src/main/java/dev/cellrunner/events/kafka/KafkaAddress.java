package dev.cellrunner.events.kafka;

import java.util.regex.Pattern;

/**
 * {@code kafka://HOST:PORT[,HOST:PORT...]/TOPIC}: bootstrap servers and a topic. Credentials and TLS come
 * from a client properties file, never from the address.
 */
public record KafkaAddress(String bootstrap, String topic) {
    private static final Pattern SERVER = Pattern.compile("(\\[[0-9a-fA-F:.]+]|[A-Za-z0-9.-]+):[0-9]{1,5}");
    private static final Pattern TOPIC = Pattern.compile("[A-Za-z0-9._-]{1,249}");

    public static boolean isKafka(String target) {
        return target.startsWith("kafka://");
    }

    public static KafkaAddress parse(String target) {
        if (!isKafka(target)) {
            throw new IllegalArgumentException("expected kafka://HOST:PORT[,HOST:PORT...]/TOPIC, not '" + target + "'");
        }
        String rest = target.substring("kafka://".length());
        int slash = rest.indexOf('/');
        if (slash <= 0 || slash == rest.length() - 1) {
            throw new IllegalArgumentException("a Kafka address needs servers and a topic: kafka://HOST:PORT/TOPIC");
        }
        String servers = rest.substring(0, slash);
        String topic = rest.substring(slash + 1);
        if (servers.contains("@")) {
            throw new IllegalArgumentException("a Kafka address takes no credentials; give them with --kafka-config FILE");
        }
        for (String server : servers.split(",", -1)) {
            if (!SERVER.matcher(server).matches()) {
                throw new IllegalArgumentException("'" + server + "' is not HOST:PORT in a Kafka address");
            }
        }
        if (!TOPIC.matcher(topic).matches() || topic.equals(".") || topic.equals("..")) {
            throw new IllegalArgumentException("'" + topic + "' is not a Kafka topic name (letters, digits, . _ -)");
        }
        return new KafkaAddress(servers, topic);
    }

    public String describe() {
        return "kafka://" + bootstrap + "/" + topic;
    }
}
