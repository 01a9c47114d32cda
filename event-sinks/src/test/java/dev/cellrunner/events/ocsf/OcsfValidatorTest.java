package dev.cellrunner.events.ocsf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;

/** The validator rejects each kind of broken record, so a pass means something. */
class OcsfValidatorTest {
    private static ObjectNode launch() throws IOException {
        JsonNode started = OcsfMappingTest.recordedEvents().get(0);
        ObjectNode record = OcsfMapper.map(started).get(0);
        OcsfMappingTest.assertValid(record);
        return record;
    }

    private static ObjectNode traffic() throws IOException {
        for (JsonNode event : OcsfMappingTest.recordedEvents()) {
            for (ObjectNode record : OcsfMapper.map(event)) {
                if (record.get("class_uid").asInt() == 4001) {
                    OcsfMappingTest.assertValid(record);
                    return record;
                }
            }
        }
        throw new AssertionError("the recorded runs hold traffic");
    }

    private static void rejects(ObjectNode valid, Consumer<ObjectNode> breakIt, String expected) {
        ObjectNode broken = valid.deepCopy();
        breakIt.accept(broken);
        assertThat(OcsfMappingTest.VALIDATOR.validate(broken).errors()).as("errors after breaking: %s", expected)
                .anySatisfy(error -> assertThat(error).contains(expected));
    }

    @Test
    void aMissingRequiredAttributeIsAnError() throws IOException {
        rejects(launch(), r -> r.remove("severity_id"), "severity_id: required");
        rejects(launch(), r -> r.remove("process"), "process: required");
        rejects(launch(), r -> ((ObjectNode) r.get("metadata")).remove("version"), "metadata.version: required");
        rejects(launch(), r -> ((ObjectNode) r.get("device")).remove("type_id"), "device.type_id: required");
        rejects(traffic(), r -> ((ObjectNode) r.get("connection_info")).remove("direction_id"),
                "connection_info.direction_id: required");
    }

    @Test
    void anUnknownAttributeIsAnError() throws IOException {
        rejects(launch(), r -> r.put("cell_id", "x"), "cell_id: not an attribute of process_activity");
        rejects(launch(), r -> r.with("process").put("argv", "x"), "process.argv: not an attribute of process");
    }

    @Test
    void aWrongTypeIsAnError() throws IOException {
        rejects(launch(), r -> r.put("time", "2026-01-01T00:00:00Z"), "time: a 64-bit integer expected");
        rejects(launch(), r -> r.put("activity_id", 1.5), "activity_id: a 32-bit integer expected");
        rejects(launch(), r -> r.put("process", "sh"), "process: a process object expected");
        rejects(launch(), r -> r.with("metadata").put("profiles", "host"), "metadata.profiles: an array");
        rejects(traffic(), r -> r.with("dst_endpoint").put("ip", "198.51.100.300"), "is not a valid ip_t");
        rejects(traffic(), r -> r.with("dst_endpoint").put("port", 70000), "outside 0..65535");
    }

    @Test
    void aValueOutsideItsEnumIsAnError() throws IOException {
        rejects(launch(), r -> r.put("activity_id", 42), "activity_id: 42 is not one of");
        rejects(launch(), r -> r.put("severity_id", 7), "severity_id: 7 is not one of");
        rejects(traffic(), r -> r.put("disposition_id", 1000), "disposition_id: 1000 is not one of");
    }

    @Test
    void aSiblingThatIsNotItsCaptionIsAnError() throws IOException {
        rejects(launch(), r -> r.put("activity_name", "Start"), "activity_name: 'Start' is not the caption");
        rejects(traffic(), r -> r.put("disposition", "Allowed").put("disposition_id", 2), "disposition: 'Allowed'");
    }

    @Test
    void classArithmeticMustAddUp() throws IOException {
        rejects(launch(), r -> r.put("type_uid", 100702), "type_uid: 100702 is not class_uid * 100 + activity_id");
        rejects(launch(), r -> r.put("category_uid", 4), "category_uid: 4 is not the category");
        rejects(launch(), r -> r.put("class_name", "Process"), "class_name: 'Process'");
        rejects(launch(), r -> r.put("class_uid", 9999), "class_uid: class_uid 9999 is not among the classes");
    }

    @Test
    void profileAttributesNeedTheirProfile() throws IOException {
        rejects(traffic(), r -> ((ObjectNode) r.get("metadata")).putArray("profiles").add("host"),
                "disposition_id: belongs to profile security_control");
        rejects(launch(), r -> r.with("metadata").withArray("profiles").add("no_such_profile"),
                "class process_activity has no profile no_such_profile");
    }

    @Test
    void objectConstraintsAreChecked() throws IOException {
        rejects(launch(), r -> {
            ObjectNode process = r.with("actor").with("process");
            process.remove("uid");
        }, "actor.process: process needs at least one of [pid, uid, cpid]");
        rejects(traffic(), r -> r.putObject("dst_endpoint").put("port", 443), "dst_endpoint: network_endpoint needs at least one of");
    }

    @Test
    void nullsAreRejected() throws IOException {
        rejects(launch(), r -> r.putNull("message"), "message: null");
    }
}
