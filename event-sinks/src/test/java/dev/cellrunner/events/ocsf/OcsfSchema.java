package dev.cellrunner.events.ocsf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The OCSF schema compiled from the ocsf-schema repository's own JSON files (test resources under
 * {@code /ocsf/<version>/}): classes with their {@code extends} chain, {@code $include}d profiles and
 * dictionary definitions merged; objects likewise. Only the files validation needs are kept; asking for a
 * class or object whose file is not there is an error, never a silent pass.
 */
public final class OcsfSchema {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One attribute as a class or object defines it after merging. {@code profile} null: not profile-bound. */
    record Attribute(String name, String type, boolean isArray, String requirement, Map<String, String> enumCaptions,
                     String sibling, String profile, boolean deprecated) {
    }

    /** A compiled class or object: attributes, the constraints on them, and the profiles it accepts. */
    record Shape(String name, String caption, Map<String, Attribute> attributes, Map<String, List<String>> constraints,
                 Set<String> profiles, int uid, int categoryUid, String categoryCaption) {
    }

    record DataType(String name, String base, java.util.regex.Pattern regex, Integer maxLen, long[] range,
                    List<JsonNode> values) {
    }

    private final String root;
    private final String version;
    private final JsonNode dictionary;
    private final Map<String, DataType> types = new HashMap<>();
    private final Map<String, Integer> categoryUids = new HashMap<>();
    private final Map<String, String> categoryCaptions = new HashMap<>();
    private final Map<Integer, String> classFiles = new HashMap<>();
    private final Map<String, Shape> objects = new HashMap<>();
    private final Map<Integer, Shape> classes = new HashMap<>();

    /** The event class files this copy keeps (path under events/). */
    static final List<String> CLASS_FILES = List.of("system/process_activity.json", "network/network_activity.json",
            "network/dns_activity.json", "discovery/device_config_state_change.json", "base_event.json");

    public static OcsfSchema load(String version) {
        return new OcsfSchema(version);
    }

    private OcsfSchema(String version) {
        this.version = version;
        this.root = "/ocsf/" + version + "/";
        String declared = read("version.json").path("version").asText();
        if (!version.equals(declared)) {
            throw new IllegalStateException("schema files say version " + declared + ", not " + version);
        }
        this.dictionary = read("dictionary.json");
        dictionary.path("types").path("attributes").fields().forEachRemaining(e -> types.put(e.getKey(), dataType(e.getKey(), e.getValue())));
        read("categories.json").path("attributes").fields().forEachRemaining(e -> {
            categoryUids.put(e.getKey(), e.getValue().path("uid").asInt());
            categoryCaptions.put(e.getKey(), e.getValue().path("caption").asText());
        });
        for (String file : CLASS_FILES) {
            JsonNode cls = read("events/" + file);
            String category = cls.path("category").asText(null);
            if (category == null) {
                category = categoryOf(cls);
            }
            int uid = "base_event".equals(cls.path("name").asText()) ? 0
                    : categoryUids.get(category) * 1000 + cls.path("uid").asInt();
            classFiles.put(uid, "events/" + file);
        }
    }

    String version() {
        return version;
    }

    DataType type(String name) {
        return types.get(name);
    }

    boolean isObject(String type) {
        return !types.containsKey(type) && !"object".equals(type);
    }

    /** The compiled class of {@code classUid}; throws when its file was not kept. */
    Shape eventClass(int classUid) {
        return classes.computeIfAbsent(classUid, uid -> {
            String file = classFiles.get(uid);
            if (file == null) {
                throw new IllegalArgumentException("class_uid " + uid + " is not among the classes kept for validation");
            }
            JsonNode cls = read(file);
            Map<String, ObjectNode> raw = rawAttributes(cls, true);
            String category = cls.path("category").asText(null);
            if (category == null) {
                category = categoryOf(cls);
            }
            int categoryUid = "other".equals(category) ? 0 : categoryUids.get(category);
            String categoryCaption = "other".equals(category) ? "Uncategorized" : categoryCaptions.get(category);
            // as the schema server compiles a class: class_uid and category_uid take the class's own values
            raw.get("class_uid").putObject("enum").putObject(Integer.toString(uid)).put("caption", cls.path("caption").asText());
            raw.get("category_uid").putObject("enum").putObject(Integer.toString(categoryUid)).put("caption", categoryCaption);
            return new Shape(cls.path("name").asText(), cls.path("caption").asText(), compile(raw),
                    constraints(cls, true), profiles(cls, true), uid, categoryUid, categoryCaption);
        });
    }

    /** The compiled object {@code name}; throws when its file was not kept. */
    Shape object(String name) {
        Shape known = objects.get(name);
        if (known != null) {
            return known;
        }
        JsonNode obj = readObject(name);
        Shape shape = new Shape(name, obj.path("caption").asText(), compile(rawAttributes(obj, false)),
                constraints(obj, false), profiles(obj, false), -1, -1, null);
        objects.put(name, shape);
        return shape;
    }

    private String categoryOf(JsonNode cls) {
        JsonNode parent = cls;
        while (parent.hasNonNull("extends")) {
            parent = readClassByName(parent.path("extends").asText());
            if (parent.hasNonNull("category")) {
                return parent.path("category").asText();
            }
        }
        throw new IllegalStateException("class " + cls.path("name").asText() + " has no category");
    }

    /** Attribute patches along the extends chain, parent first, with $include'd profiles marked by name. */
    private Map<String, ObjectNode> rawAttributes(JsonNode shape, boolean isClass) {
        Map<String, ObjectNode> merged = new LinkedHashMap<>();
        if (shape.hasNonNull("extends")) {
            String parent = shape.path("extends").asText();
            merged.putAll(rawAttributes(isClass ? readClassByName(parent) : readObject(parent), isClass));
        }
        JsonNode attributes = shape.path("attributes");
        for (JsonNode include : attributes.path("$include")) {
            JsonNode included = read(include.asText());
            String profile = "profile".equals(included.path("meta").asText()) ? included.path("name").asText() : null;
            included.path("attributes").fields().forEachRemaining(e -> {
                ObjectNode patch = e.getValue().deepCopy();
                if (profile != null && !patch.has("profile")) {
                    patch.put("profile", profile);
                }
                merge(merged, e.getKey(), patch);
            });
        }
        attributes.fields().forEachRemaining(e -> {
            if (!e.getKey().equals("$include")) {
                merge(merged, e.getKey(), (ObjectNode) e.getValue());
            }
        });
        return merged;
    }

    /** A later patch overrides an earlier one key by key; enums are united, later captions winning. */
    private static void merge(Map<String, ObjectNode> merged, String name, ObjectNode patch) {
        ObjectNode into = merged.computeIfAbsent(name, n -> JSON.createObjectNode());
        for (Iterator<Map.Entry<String, JsonNode>> it = patch.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            if (field.getKey().equals("enum") && into.has("enum")) {
                ((ObjectNode) into.get("enum")).setAll((ObjectNode) field.getValue().deepCopy());
            } else {
                into.set(field.getKey(), field.getValue().deepCopy());
            }
        }
    }

    private Map<String, Attribute> compile(Map<String, ObjectNode> raw) {
        Map<String, Attribute> compiled = new TreeMap<>();
        raw.forEach((name, patch) -> {
            JsonNode base = dictionary.path("attributes").path(name);
            if (base.isMissingNode()) {
                throw new IllegalStateException("attribute " + name + " is not in the dictionary");
            }
            ObjectNode def = base.deepCopy();
            Map<String, ObjectNode> one = new HashMap<>();
            one.put(name, def);
            merge(one, name, patch);
            def = one.get(name);
            Map<String, String> captions = null;
            if (def.has("enum")) {
                captions = new TreeMap<>();
                for (Iterator<Map.Entry<String, JsonNode>> it = def.get("enum").fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> item = it.next();
                    captions.put(item.getKey(), item.getValue().path("caption").asText());
                }
            }
            compiled.put(name, new Attribute(name, def.path("type").asText(), def.path("is_array").asBoolean(false),
                    def.path("requirement").asText("optional"), captions, def.path("sibling").asText(null),
                    def.path("profile").isTextual() ? def.path("profile").asText() : null, def.has("@deprecated")));
        });
        return compiled;
    }

    /** A shape's own constraints replace its parent's (as {@code file} clears those of {@code _entity}). */
    private Map<String, List<String>> constraints(JsonNode shape, boolean isClass) {
        JsonNode own = shape.get("constraints");
        if (own == null) {
            return shape.hasNonNull("extends")
                    ? constraints(isClass ? readClassByName(shape.path("extends").asText())
                    : readObject(shape.path("extends").asText()), isClass)
                    : Map.of();
        }
        Map<String, List<String>> out = new TreeMap<>();
        own.fields().forEachRemaining(e -> {
            List<String> names = new ArrayList<>();
            e.getValue().forEach(n -> names.add(n.asText()));
            out.put(e.getKey(), names);
        });
        return out;
    }

    private Set<String> profiles(JsonNode shape, boolean isClass) {
        Set<String> out = new java.util.TreeSet<>();
        shape.path("profiles").forEach(p -> out.add(p.asText()));
        if (shape.hasNonNull("extends")) {
            out.addAll(profiles(isClass ? readClassByName(shape.path("extends").asText())
                    : readObject(shape.path("extends").asText()), isClass));
        }
        return out;
    }

    private JsonNode readClassByName(String name) {
        for (String candidate : List.of("events/" + name + ".json", "events/system/" + name + ".json",
                "events/network/" + name + ".json", "events/discovery/" + name + ".json")) {
            if (getClass().getResource(root + candidate) != null) {
                return read(candidate);
            }
        }
        throw new IllegalArgumentException("class " + name + " is not among the files kept for validation");
    }

    private JsonNode readObject(String name) {
        if (getClass().getResource(root + "objects/" + name + ".json") == null) {
            throw new IllegalArgumentException("object " + name + " is not among the files kept for validation"
                    + " (copy objects/" + name + ".json of OCSF " + version + " into the test resources)");
        }
        return read("objects/" + name + ".json");
    }

    private JsonNode read(String path) {
        try (InputStream in = getClass().getResourceAsStream(root + path)) {
            if (in == null) {
                throw new IllegalArgumentException(root + path + " is not among the OCSF files kept for validation");
            }
            return JSON.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static DataType dataType(String name, JsonNode def) {
        long[] range = null;
        if (def.has("range")) {
            range = new long[] {def.get("range").get(0).asLong(), def.get("range").get(1).asLong()};
        }
        List<JsonNode> values = null;
        if (def.has("values")) {
            values = new ArrayList<>();
            def.get("values").forEach(values::add);
        }
        return new DataType(name, def.path("type").asText(null),
                def.has("regex") ? java.util.regex.Pattern.compile(def.get("regex").asText()) : null,
                def.has("max_len") ? def.get("max_len").asInt() : null, range, values);
    }
}
