package dev.cellrunner.events.http;

import io.cloudevents.http.HttpMessageFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;

/**
 * Sends events to one receiver with the CloudEvents HTTP binding and retries what may succeed later:
 * connection errors, timeouts, 429 and 5xx, with exponential backoff and full jitter, honouring a bounded
 * Retry-After. Any other status is permanent. Nothing here waits past the deadline it is given.
 */
final class HttpDelivery {
    private final HttpSinkSettings settings;
    private final HttpClient client;

    /** How one delivery ended; {@code permanent}: retrying the same request cannot help. */
    record Result(boolean delivered, boolean permanent, String reason) {
        static final Result DELIVERED = new Result(true, false, null);
    }

    HttpDelivery(HttpSinkSettings settings) {
        this.settings = settings;
        HttpClient.Builder builder = HttpClient.newBuilder()
                .connectTimeout(settings.requestTimeout())
                .followRedirects(HttpClient.Redirect.NEVER);
        if (settings.tls() != null) {
            builder.sslContext(settings.tls());
        }
        this.client = builder.build();
    }

    Result deliver(List<OutgoingEvent> events, Supplier<Instant> deadline) throws InterruptedException {
        HttpRequest request = request(events);
        String lastFailure = null;
        for (int attempt = 0; attempt < settings.maxAttempts(); attempt++) {
            Duration wait;
            try {
                HttpResponse<Void> response = client.send(withinDeadline(request, deadline.get()),
                        HttpResponse.BodyHandlers.discarding());
                int status = response.statusCode();
                if (status >= 200 && status < 300) {
                    return Result.DELIVERED;
                }
                lastFailure = "HTTP " + status;
                if (status != 429 && status < 500) {
                    return new Result(false, true, "receiver refused the events with HTTP " + status);
                }
                wait = retryAfter(response).orElse(backoff(attempt));
            } catch (IOException e) {
                lastFailure = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
                wait = backoff(attempt);
            }
            if (attempt + 1 == settings.maxAttempts()) {
                break;
            }
            Instant wakeUp = Instant.now().plus(wait);
            if (wakeUp.isAfter(deadline.get())) {
                return new Result(false, false, "delivery time ran out (last: " + lastFailure + ")");
            }
            sleepUntil(wakeUp, deadline);
        }
        return new Result(false, false, settings.maxAttempts() + " attempts failed (last: " + lastFailure + ")");
    }

    /** No single request outlives the deadline by more than a moment. */
    private HttpRequest withinDeadline(HttpRequest request, Instant deadline) {
        Duration left = Duration.between(Instant.now(), deadline);
        if (left.compareTo(settings.requestTimeout()) >= 0) {
            return request;
        }
        Duration timeout = left.compareTo(Duration.ofMillis(100)) < 0 ? Duration.ofMillis(100) : left;
        return HttpRequest.newBuilder(request, (name, value) -> true).timeout(timeout).build();
    }

    /** Full jitter: a random delay between half and all of base * 2^attempt, capped. */
    Duration backoff(int attempt) {
        long ceiling = Math.min(settings.backoffMax().toMillis(),
                settings.backoffBase().toMillis() << Math.min(attempt, 20));
        return Duration.ofMillis(ceiling / 2 + ThreadLocalRandom.current().nextLong(ceiling / 2 + 1));
    }

    private java.util.Optional<Duration> retryAfter(HttpResponse<?> response) {
        return response.headers().firstValue("Retry-After").map(this::parseRetryAfter)
                .map(d -> d.compareTo(settings.retryAfterMax()) > 0 ? settings.retryAfterMax() : d);
    }

    private Duration parseRetryAfter(String value) {
        String v = value.strip();
        try {
            return Duration.ofSeconds(Math.max(0, Long.parseLong(v)));
        } catch (NumberFormatException notSeconds) {
            try {
                Duration until = Duration.between(Instant.now(),
                        ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant());
                return until.isNegative() ? Duration.ZERO : until;
            } catch (DateTimeParseException notADate) {
                return null;
            }
        }
    }

    private static void sleepUntil(Instant wakeUp, Supplier<Instant> deadline) throws InterruptedException {
        while (true) {
            Instant now = Instant.now();
            Instant end = wakeUp.isBefore(deadline.get()) ? wakeUp : deadline.get();
            if (!now.isBefore(end)) {
                return;
            }
            // short naps, so a deadline moved closer (the run is ending) is noticed
            Thread.sleep(Math.min(50, Duration.between(now, end).toMillis() + 1));
        }
    }

    private HttpRequest request(List<OutgoingEvent> events) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(settings.endpoint()).timeout(settings.requestTimeout());
        if (settings.payload() == HttpPayload.OCSF) {
            builder.header("Content-Type", "application/json");
            builder.POST(HttpRequest.BodyPublishers.ofByteArray(ocsfRecords(events)));
            return builder.build();
        }
        switch (settings.mode()) {
            // The charset spelled in lower case: the JavaScript SDK compares the whole header with
            // "application/cloudevents+json; charset=utf-8" and rejects any other spelling.
            case STRUCTURED -> {
                builder.header("Content-Type", "application/cloudevents+json; charset=utf-8");
                builder.POST(HttpRequest.BodyPublishers.ofByteArray(single(events).structured()));
            }
            case BATCH -> {
                builder.header("Content-Type", "application/cloudevents-batch+json; charset=utf-8");
                builder.POST(HttpRequest.BodyPublishers.ofByteArray(batch(events)));
            }
            case BINARY -> {
                byte[][] body = {new byte[0]};
                HttpMessageFactory.createWriter(builder::header, bytes -> body[0] = bytes)
                        .writeBinary(single(events).event());
                builder.POST(HttpRequest.BodyPublishers.ofByteArray(body[0] == null ? new byte[0] : body[0]));
            }
        }
        return builder.build();
    }

    private static OutgoingEvent single(List<OutgoingEvent> events) {
        if (events.size() != 1) {
            throw new IllegalArgumentException("structured and binary mode send one event per request");
        }
        return events.get(0);
    }

    /** One JSON array of the records of every event in the request. */
    private static byte[] ocsfRecords(List<OutgoingEvent> events) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.write('[');
        boolean first = true;
        for (OutgoingEvent event : events) {
            byte[] array = event.structured();
            int inner = array.length - 2;
            if (inner <= 0) {
                continue;
            }
            if (!first) {
                body.write(',');
            }
            body.write(array, 1, inner);
            first = false;
        }
        body.write(']');
        return body.toByteArray();
    }

    private static byte[] batch(List<OutgoingEvent> events) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.write('[');
        for (int i = 0; i < events.size(); i++) {
            if (i > 0) {
                body.write(',');
            }
            body.writeBytes(events.get(i).structured());
        }
        body.write(']');
        return body.toByteArray();
    }
}
