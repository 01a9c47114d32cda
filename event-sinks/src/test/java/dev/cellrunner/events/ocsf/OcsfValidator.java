package dev.cellrunner.events.ocsf;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Checks one OCSF record against the compiled class and object definitions: known attributes only,
 * required ones present (recommended ones missing are warnings), types (scalars, data-type regex, length
 * and range, objects recursively, arrays), enum values, {@code _id} siblings naming their caption, object
 * constraints (at_least_one, just_one), profile-bound attributes only with their profile in
 * {@code metadata.profiles}, and the class arithmetic ({@code type_uid = class_uid * 100 + activity_id},
 * {@code category_uid}).
 */
public final class OcsfValidator {
    private static final long INT_MIN = Integer.MIN_VALUE;
    private static final long INT_MAX = Integer.MAX_VALUE;

    private final OcsfSchema schema;

    public OcsfValidator(OcsfSchema schema) {
        this.schema = schema;
    }

    /** What one record got wrong ({@code errors}) and what it could do better ({@code warnings}). */
    public record Result(List<String> errors, List<String> warnings) {
        public boolean valid() {
            return errors.isEmpty();
        }
    }

    public Result validate(JsonNode record) {
        List<String> errors = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        if (!record.isObject()) {
            errors.add("a record is a JSON object");
            return new Result(errors, warnings);
        }
        JsonNode classUid = record.get("class_uid");
        if (classUid == null || !classUid.isIntegralNumber()) {
            errors.add("class_uid: required integer missing");
            return new Result(errors, warnings);
        }
        OcsfSchema.Shape cls;
        try {
            cls = schema.eventClass(classUid.intValue());
        } catch (IllegalArgumentException e) {
            errors.add("class_uid: " + e.getMessage());
            return new Result(errors, warnings);
        }
        Set<String> profiles = new HashSet<>();
        record.path("metadata").path("profiles").forEach(p -> profiles.add(p.asText()));
        for (String profile : profiles) {
            if (!cls.profiles().contains(profile)) {
                errors.add("metadata.profiles: class " + cls.name() + " has no profile " + profile);
            }
        }
        Context context = new Context(errors, warnings, profiles);
        checkShape(cls, record, "", context);
        checkClassArithmetic(cls, record, errors);
        return new Result(errors, warnings);
    }

    private record Context(List<String> errors, List<String> warnings, Set<String> profiles) {
    }

    private void checkClassArithmetic(OcsfSchema.Shape cls, JsonNode record, List<String> errors) {
        JsonNode activity = record.get("activity_id");
        JsonNode typeUid = record.get("type_uid");
        if (activity != null && activity.isIntegralNumber() && typeUid != null && typeUid.isIntegralNumber()
                && typeUid.longValue() != cls.uid() * 100L + activity.longValue()) {
            errors.add("type_uid: " + typeUid + " is not class_uid * 100 + activity_id = " + (cls.uid() * 100L + activity.longValue()));
        }
        JsonNode category = record.get("category_uid");
        if (category != null && category.isIntegralNumber() && category.intValue() != cls.categoryUid()) {
            errors.add("category_uid: " + category + " is not the category of " + cls.name() + " (" + cls.categoryUid() + ")");
        }
        expectText(record, "class_name", cls.caption(), errors);
        expectText(record, "category_name", cls.categoryCaption(), errors);
        JsonNode typeName = record.get("type_name");
        JsonNode activityName = record.get("activity_name");
        if (typeName != null && activityName != null && !typeName.asText().equals(cls.caption() + ": " + activityName.asText())) {
            errors.add("type_name: '" + typeName.asText() + "' is not '" + cls.caption() + ": " + activityName.asText() + "'");
        }
    }

    private static void expectText(JsonNode record, String name, String expected, List<String> errors) {
        JsonNode value = record.get(name);
        if (value != null && !value.asText().equals(expected)) {
            errors.add(name + ": '" + value.asText() + "' is not '" + expected + "'");
        }
    }

    private void checkShape(OcsfSchema.Shape shape, JsonNode node, String path, Context context) {
        Map<String, OcsfSchema.Attribute> attributes = shape.attributes();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            String where = path + field.getKey();
            OcsfSchema.Attribute attribute = attributes.get(field.getKey());
            if (attribute == null) {
                context.errors().add(where + ": not an attribute of " + shape.name());
                continue;
            }
            if (attribute.profile() != null && !context.profiles().contains(attribute.profile())) {
                context.errors().add(where + ": belongs to profile " + attribute.profile()
                        + ", which metadata.profiles does not list");
            }
            if (attribute.deprecated()) {
                context.warnings().add(where + ": deprecated");
            }
            if (field.getValue().isNull()) {
                context.errors().add(where + ": null (leave the attribute out instead)");
                continue;
            }
            checkValue(attribute, field.getValue(), where, context);
            if (attribute.sibling() != null && attribute.enumCaptions() != null && node.has(attribute.sibling())) {
                String caption = attribute.enumCaptions().get(field.getValue().asText());
                String sibling = node.get(attribute.sibling()).asText();
                if (caption != null && !"99".equals(field.getValue().asText()) && !caption.equals(sibling)) {
                    context.errors().add(path + attribute.sibling() + ": '" + sibling + "' is not the caption of "
                            + field.getKey() + " " + field.getValue() + " ('" + caption + "')");
                }
            }
        }
        for (OcsfSchema.Attribute attribute : attributes.values()) {
            boolean bound = attribute.profile() == null || context.profiles().contains(attribute.profile());
            if (!node.has(attribute.name()) && bound) {
                if (attribute.requirement().equals("required")) {
                    context.errors().add(path + attribute.name() + ": required by " + shape.name() + ", missing");
                } else if (attribute.requirement().equals("recommended")) {
                    context.warnings().add(path + attribute.name() + ": recommended by " + shape.name() + ", missing");
                }
            }
        }
        List<String> atLeastOne = shape.constraints().get("at_least_one");
        if (atLeastOne != null && atLeastOne.stream().noneMatch(node::has)) {
            context.errors().add((path.isEmpty() ? "" : path.substring(0, path.length() - 1) + ": ")
                    + shape.name() + " needs at least one of " + atLeastOne);
        }
        List<String> justOne = shape.constraints().get("just_one");
        if (justOne != null && justOne.stream().filter(node::has).count() != 1) {
            context.errors().add((path.isEmpty() ? "" : path.substring(0, path.length() - 1) + ": ")
                    + shape.name() + " needs exactly one of " + justOne);
        }
    }

    private void checkValue(OcsfSchema.Attribute attribute, JsonNode value, String where, Context context) {
        if (attribute.isArray()) {
            if (!value.isArray()) {
                context.errors().add(where + ": an array of " + attribute.type() + " expected");
                return;
            }
            for (int i = 0; i < value.size(); i++) {
                checkOne(attribute, value.get(i), where + "[" + i + "]", context);
            }
        } else {
            checkOne(attribute, value, where, context);
        }
    }

    private void checkOne(OcsfSchema.Attribute attribute, JsonNode value, String where, Context context) {
        String type = attribute.type();
        if ("object".equals(type)) {
            if (!value.isObject()) {
                context.errors().add(where + ": an object expected");
            }
            return;
        }
        if (schema.isObject(type)) {
            if (!value.isObject()) {
                context.errors().add(where + ": a " + type + " object expected");
                return;
            }
            OcsfSchema.Shape shape;
            try {
                shape = schema.object(type);
            } catch (IllegalArgumentException e) {
                context.errors().add(where + ": " + e.getMessage());
                return;
            }
            checkShape(shape, value, where + ".", context);
            return;
        }
        checkType(type, value, where, context.errors());
        if (attribute.enumCaptions() != null && !attribute.enumCaptions().containsKey(value.asText())) {
            context.errors().add(where + ": " + value + " is not one of " + attribute.enumCaptions().keySet());
        }
    }

    private void checkType(String typeName, JsonNode value, String where, List<String> errors) {
        OcsfSchema.DataType type = schema.type(typeName);
        if (type == null) {
            errors.add(where + ": unknown type " + typeName);
            return;
        }
        if (type.base() != null) {
            checkType(type.base(), value, where, errors);
        }
        switch (typeName) {
            case "string_t" -> require(value.isTextual(), where, "a string", value, errors);
            case "integer_t" -> require(value.isIntegralNumber() && value.canConvertToLong()
                    && value.longValue() >= INT_MIN && value.longValue() <= INT_MAX, where, "a 32-bit integer", value, errors);
            case "long_t" -> require(value.isIntegralNumber() && value.canConvertToLong(), where, "a 64-bit integer", value, errors);
            case "float_t" -> require(value.isNumber(), where, "a number", value, errors);
            case "boolean_t" -> require(value.isBoolean(), where, "true or false", value, errors);
            case "json_t" -> { }
            default -> { }
        }
        if (type.regex() != null && value.isTextual() && !type.regex().matcher(value.textValue()).matches()) {
            errors.add(where + ": '" + value.textValue() + "' is not a valid " + typeName);
        }
        if (type.maxLen() != null && value.isTextual() && value.textValue().length() > type.maxLen()) {
            errors.add(where + ": longer than " + type.maxLen() + " characters for " + typeName);
        }
        if (type.range() != null && value.isIntegralNumber()
                && (value.longValue() < type.range()[0] || value.longValue() > type.range()[1])) {
            errors.add(where + ": " + value + " is outside " + type.range()[0] + ".." + type.range()[1] + " for " + typeName);
        }
    }

    private static void require(boolean ok, String where, String what, JsonNode value, List<String> errors) {
        if (!ok) {
            errors.add(where + ": " + what + " expected, not " + value);
        }
    }
}
